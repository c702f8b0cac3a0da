# `atoll build` (src/codegen): the bundle of the example plan, read as the Galapagos middleware
# reads it, its headers and every top.cpp compiled, its manifest checked; a two-cluster plan's
# top.cpp compiled; bad input; and, when a Galapagos checkout is named by ATOLL_GALAPAGOS_DIR,
# the real middleware run on it (scripts/check-galapagos.sh).
set(WITH_BUNDLE ${CMAKE_CURRENT_SOURCE_DIR}/with_bundle.sh)
set(READ_LIKE_YUGAO ${PROJECT_SOURCE_DIR}/tests/codegen/read_like_yugao.py)
set(CHECK_GALAPAGOS ${PROJECT_SOURCE_DIR}/scripts/check-galapagos.sh)
set(COMPILE_TOPS ${PROJECT_SOURCE_DIR}/tests/codegen/compile_tops.sh)
# Two encoder layers of tests/cli/data/tiny.yaml on sidewinder-6, one Galapagos cluster each
# (tests/codegen/data/README.md says how it was made).
set(PLAN_TWO_CLUSTERS ${PROJECT_SOURCE_DIR}/tests/codegen/data/tiny-2cluster.json)

atoll_cli_test(build_example 0 "^bundle: .*/bundle \\([0-9]+ files, checksums in MANIFEST.sha256\\)$"
               ${ATOLL} build --plan ${PLAN6} --force -o ${OUT}/bundle)
atoll_cli_test(build_manifest_checks 0 "^[0-9]+ files OK$"
               ${WITH_BUNDLE} ${ATOLL} ${PLAN6} ${OUT}/bundle-sum --
               sh -c "sha256sum --quiet -c MANIFEST.sha256 && echo \"$(wc -l < MANIFEST.sha256) files OK\"")
# Every parameters.hpp is C++11 (what Vivado HLS compiles), warning-free, and a cluster's headers
# can meet in one translation unit. (add_test, not atoll_cli_test: ${ARGN} would split at ';'.)
add_test(NAME cli.build_headers_compile
         COMMAND ${EXPECT} 0 "^38 headers compile$" -- ${WITH_BUNDLE} ${ATOLL} ${PLAN6} ${OUT}/bundle-hpp --
                 sh -c "for h in cluster_0/kern_*/parameters.hpp; do echo \"#include \\\"$PWD/$h\\\"\"; done > ../bundle-hpp.cpp && ${CMAKE_CXX_COMPILER} -std=c++11 -Wall -Wextra -Werror -fsyntax-only ../bundle-hpp.cpp && echo \"$(grep -c include ../bundle-hpp.cpp) headers compile\"")
# Every top.cpp as Vitis HLS would compile it (C++14), warning-free without exceptions or RTTI.
# The six-FPGA example's are compiled so by cli.build_csim_6fpga_equals_infer (-Werror there).
atoll_cli_test(build_two_clusters_tops_compile 0 "^36 top.cpp compile$"
               ${WITH_BUNDLE} ${ATOLL} ${PLAN_TWO_CLUSTERS} ${OUT}/bundle-two -- ${COMPILE_TOPS} ${CMAKE_CXX_COMPILER} .)
atoll_cli_test(build_refuses_non_empty_output 1 "bundle-taken: exists and is not empty \\(pass --force to replace it\\)$"
               sh -c "mkdir -p '${OUT}/bundle-taken' && touch '${OUT}/bundle-taken/mine' && exec '$<TARGET_FILE:atoll>' build --plan '${PLAN6}' -o '${OUT}/bundle-taken'")
atoll_cli_test(build_unwritable_output 1 "^atoll: error: .*/a-file/bundle: cannot write the bundle: Not a directory$"
               sh -c "touch '${OUT}/a-file' && exec '$<TARGET_FILE:atoll>' build --plan '${PLAN6}' -o '${OUT}/a-file/bundle'")
# A board without a Galapagos name: one line, exit 1, no bundle folder.
add_test(NAME cli.build_board_without_galapagos_name
         COMMAND ${EXPECT} 1 "^atoll: error: plan: cluster.nodes\\[0\\] \\(fpga0\\): board 'u280' has no Galapagos name" -- sh -c
                 "sed 's/\"name\": \"sidewinder-100\"/\"name\": \"u280\"/' '${PLAN6}' > '${OUT}/plan-u280.json' && '$<TARGET_FILE:atoll>' build --plan '${OUT}/plan-u280.json' -o '${OUT}/bundle-u280'; rc=$?; test ! -e '${OUT}/bundle-u280' || { echo 'half written'; exit 9; }; exit $rc")
atoll_cli_test(build_board_not_in_catalogue 1
               "^atoll: error: plan: cluster.nodes\\[0\\] \\(fpga0\\): board 'sidewinder-999' is not in the device catalogue$"
               sh -c "sed 's/\"name\": \"sidewinder-100\"/\"name\": \"sidewinder-999\"/' '${PLAN6}' > '${OUT}/plan-999.json' && exec '$<TARGET_FILE:atoll>' build --plan '${OUT}/plan-999.json' -o '${OUT}/bundle-999'")
# The bundle's Makefile and build.sh, with a stand-in for Vitis HLS (tests/codegen/fake-vitis):
# every IP once, nothing again, clean; without vitis_hls on PATH one line and exit 1. Run from
# `make test`, the inherited MAKEFLAGS/MAKELEVEL would make the inner make say "make[1]: ...".
set(FAKE_VITIS ${PROJECT_SOURCE_DIR}/tests/codegen/fake-vitis)
atoll_cli_test(build_sh_builds_every_ip 0 "^38 IPs, then: make: Nothing to be done for 'all'.$"
               ${WITH_BUNDLE} ${ATOLL} ${PLAN6} ${OUT}/bundle-make --
               sh -c "unset MAKEFLAGS MAKELEVEL MFLAGS && PATH='${FAKE_VITIS}':$PATH ./build.sh > /dev/null && n=$(ls cluster_0/kern_*/ip.done | wc -l) && again=$(PATH='${FAKE_VITIS}':$PATH make) && make -s clean && test ! -e cluster_0/kern_1/ip.done && test ! -e cluster_0/kern_1/hls && echo \"$n IPs, then: $again\"")
atoll_cli_test(build_sh_without_vitis 1 "^build.sh: vitis_hls is not on PATH"
               ${WITH_BUNDLE} ${ATOLL} ${PLAN6} ${OUT}/bundle-novitis -- sh -c "PATH=/usr/bin:/bin exec ./build.sh")

# The weights: the model options of `atoll run`.
atoll_cli_test(build_seed 0 "weights: synthetic, seed 7"
               ${ATOLL} build --plan ${PLAN6} --seed 7 --force -o ${OUT}/bundle-seed7)
atoll_cli_test(build_missing_weights 1 "^atoll: error: .*/none: not a weights directory"
               ${ATOLL} build --plan ${PLAN6} --weights ${OUT}/none -o ${OUT}/bundle-none)
# Twelve layers (I-BERT base, the published knobs, 144 Sidewinders): 12 clusters, 456 IPs.
add_test(NAME cli.build_twelve_layers
         COMMAND ${EXPECT} 0 "^cluster_11: layer 11, kernel IDs 0..38, 38 IPs$" -- sh -c
                 "'$<TARGET_FILE:atoll>' map --model '${EXAMPLES}/models/ibert-base.yaml' --cluster '${EXAMPLES}/clusters/sidewinder-144.yaml' --knobs '${PROJECT_SOURCE_DIR}/tests/graph/data/cluster_builder_config.json' -o '${OUT}/plan-12.json' > /dev/null && '$<TARGET_FILE:atoll>' build --plan '${OUT}/plan-12.json' --force -o '${OUT}/bundle-12'")

# Knobs the HLS wrappers cannot honour, more DSPs than the board has, a board without a part:
# one line, exit 1, no bundle folder.
add_test(NAME cli.build_pe_not_dividing
         COMMAND ${EXPECT} 1 "^atoll: error: cluster_0/kern_1 \\(compute l0.q \\(q\\)\\): stage 0 \\(linear\\): pe = 7 does not divide its output rows M = 768$" -- sh -c
                 "sed 's/\"pe\": 6/\"pe\": 7/' '${PLAN6}' > '${OUT}/plan-pe7.json' && '$<TARGET_FILE:atoll>' build --plan '${OUT}/plan-pe7.json' -o '${OUT}/bundle-pe7'; rc=$?; test ! -e '${OUT}/bundle-pe7' || { echo 'half written'; exit 9; }; exit $rc")
add_test(NAME cli.build_pe_beyond_dsps
         COMMAND ${EXPECT} 1 "^atoll: error: cluster_0/kern_28 \\(compute l0.out_proj \\(out_proj\\)\\): its knobs need 6160 DSPs \\(cost model, docs/cost-model.md\\) but board sidewinder-100 has 1968 \\(catalogue resources.dsp\\)$" -- sh -c
                 "sed 's/\"pe\": 12/\"pe\": 48/' '${PLAN6}' > '${OUT}/plan-pe48.json' && '$<TARGET_FILE:atoll>' build --plan '${OUT}/plan-pe48.json' -o '${OUT}/bundle-pe48'; rc=$?; test ! -e '${OUT}/bundle-pe48' || { echo 'half written'; exit 9; }; exit $rc")
add_test(NAME cli.build_board_without_part
         COMMAND ${EXPECT} 1 "^atoll: error: board 'sidewinder-100': the device catalogue gives no part \\(field part of its sidewinder-100.yaml\\), which Vitis HLS synthesises for$" -- sh -c
                 "rm -rf '${OUT}/catalogue-no-part' && cp -r '${PROJECT_SOURCE_DIR}/data/devices' '${OUT}/catalogue-no-part' && sed -i 's/^part: .*/part: \"\"/' '${OUT}/catalogue-no-part/sidewinder-100.yaml' && '$<TARGET_FILE:atoll>' build --plan '${PLAN6}' --catalogue '${OUT}/catalogue-no-part' -o '${OUT}/bundle-no-part'; rc=$?; test ! -e '${OUT}/bundle-no-part' || { echo 'half written'; exit 9; }; exit $rc")

# Read as yugao's cluster.py reads it (needs /usr/bin/python3 with xmltodict; skipped without).
add_test(NAME cli.build_reads_like_yugao
         COMMAND sh -c "/usr/bin/python3 -c 'import xmltodict' 2>/dev/null || { echo 'skipped: /usr/bin/python3 with xmltodict not found (apt install python3-xmltodict)'; exit 77; }; exec '${EXPECT}' 0 '^cluster_0: 39 kernel IDs, 38 IPs on 6 nodes, read as written$' -- '${WITH_BUNDLE}' '$<TARGET_FILE:atoll>' '${PLAN6}' '${OUT}/bundle-py' -- /usr/bin/python3 '${READ_LIKE_YUGAO}' .")
# The real middleware (scripts/check-galapagos.sh), when ATOLL_GALAPAGOS_DIR names a checkout of
# UofT-HPRC/galapagos branch yugao; skipped otherwise.
add_test(NAME cli.build_checked_by_real_galapagos
         COMMAND sh -c "test -n \"$ATOLL_GALAPAGOS_DIR\" || { echo 'skipped: set ATOLL_GALAPAGOS_DIR to a work tree of UofT-HPRC/galapagos, branch yugao, to run its middleware on the bundle'; exit 77; }; exec '${EXPECT}' 0 '^check-galapagos: 1 cluster[(]s[)] pass$' -- '${WITH_BUNDLE}' '$<TARGET_FILE:atoll>' '${PLAN6}' '${OUT}/bundle-real' -- '${CHECK_GALAPAGOS}' . \"$ATOLL_GALAPAGOS_DIR\"")
set_tests_properties(cli.build_two_clusters_tops_compile cli.build_twelve_layers
                     PROPERTIES TIMEOUT 900)
set_tests_properties(cli.build_headers_compile cli.build_board_without_galapagos_name
                     cli.build_pe_not_dividing cli.build_pe_beyond_dsps cli.build_board_without_part
                     cli.build_reads_like_yugao cli.build_checked_by_real_galapagos
                     PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)
