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

# Twelve layers: the tiny test model on 144 Sidewinders (216 IPs in 12 Galapagos clusters, each
# layer reaching the next through its kernel 0), 8 tokens, straight from `atoll map`: the mapper
# chooses only knobs the HLS wrappers can honour (graph/knob_rules.h; it once chose tiles 6 and 12
# on widths of 128 and 256, which atoll build refused).
add_test(NAME cli.build_csim_12layers_equals_infer
         COMMAND ${EXPECT} 0 "^csim equals atoll infer: 1152 bytes" -- sh -c
                 "'$<TARGET_FILE:atoll>' map --model '${DATA}/tiny-12layer.yaml' --cluster '${EXAMPLES}/clusters/sidewinder-144.yaml' -o '${OUT}/tiny12.json' > /dev/null && exec '${CSIM_EQUALS_INFER}' '$<TARGET_FILE:atoll>' '${OUT}/tiny12.json' '${DATA}/tiny-12layer.yaml' '${OUT}/csim-12' --random-input --tokens 8")
set_tests_properties(cli.build_csim_12layers_equals_infer PROPERTIES TIMEOUT 1200 ENVIRONMENT OPT=-O1)

# Every generated compute kernel of two I-BERT-base layers (the published Cluster Builder knobs
# on 144 Sidewinders) alone on the golden data of layers 0 and 1, and the two layers' csim equal
# to atoll infer on those weights (skipped without ../shared).
add_test(NAME cli.build_verify_golden
         COMMAND sh -c "test -d '${ATOLL_GOLDEN_DIR}/encoder' || { echo 'skipped: golden data not found at ${ATOLL_GOLDEN_DIR}'; exit 77; }; exec '${EXPECT}' 0 '^golden: 60 kernels passed, 0 failed, 4 skipped' -- '${CMAKE_CURRENT_SOURCE_DIR}/golden_kernels.sh' '$<TARGET_FILE:atoll>' '${ATOLL_GOLDEN_DIR}' '${DATA}/ibert-base-2layer.yaml' '${EXAMPLES}/clusters/sidewinder-144.yaml' '${CB_CONFIG}' '${OUT}/golden-kernels'")
set_tests_properties(cli.build_verify_golden PROPERTIES TIMEOUT 1200 SKIP_RETURN_CODE 77 ENVIRONMENT OPT=-O1)
# The csim tests compile hundreds of kernels: -O1 compiles them in less time than -O2 for the
# same values (the one-sequence runs are short), and a high COST starts them first under
# `ctest -j2`, beside the many short tests, instead of last and alone.
set_tests_properties(cli.build_csim_12layers_equals_infer cli.build_verify_golden
                     cli.build_csim_6fpga_equals_infer PROPERTIES COST 1000)
