# `atoll build --csim` (src/codegen/csim.h, src/cli/build_csim.h): the generated bundle compiled
# with g++ against the HLS shim and run, its output compared byte for byte with `atoll infer` on
# the same synthetic weights and input; and its bad input.
set(CSIM_EQUALS_INFER ${CMAKE_CURRENT_SOURCE_DIR}/csim_equals_infer.sh)

# The six-FPGA example (one encoder layer, 38 IPs) on a full sequence (128 tokens).
atoll_cli_test(build_csim_6fpga_equals_infer 0 "^csim equals atoll infer: 98432 bytes"
               ${CSIM_EQUALS_INFER} ${ATOLL} ${PLAN6} ${BASE1} ${OUT}/csim-6fpga --random-input)
set_tests_properties(cli.build_csim_6fpga_equals_infer PROPERTIES TIMEOUT 900)

# Bad input: one line, exit 1, before anything is compiled.
atoll_cli_test(build_csim_needs_an_input 1 "^atoll: error: give --input X.npy or --random-input$"
               ${ATOLL} build --plan ${PLAN6} --force -o ${OUT}/csim-noinput --csim)
atoll_cli_test(build_csim_input_without_csim 1
               "^atoll: error: --input, --random-input and --csim-output are options of --csim$"
               ${ATOLL} build --plan ${PLAN6} --force -o ${OUT}/csim-nocsim --random-input)
atoll_cli_test(build_csim_wrong_width 1 "expected int8 hidden states \\[tokens, 768\\]"
               ${ATOLL} build --plan ${PLAN6} --force -o ${OUT}/csim-wide --csim
               --input ${DATA}/wide.npy)
atoll_cli_test(build_csim_compiler_missing 1
               "^atoll: error: --csim: '/nonexistent/g\\+\\+' not found on PATH. the C simulation compiles the bundle with make and a C\\+\\+ compiler \\(set CXX to choose another\\)$"
               env CXX=/nonexistent/g++ ${ATOLL} build --plan ${PLAN6} --force
               -o ${OUT}/csim-nocxx --csim --random-input --tokens 2)
