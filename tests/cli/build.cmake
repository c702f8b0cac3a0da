# `atoll build` (src/codegen): the bundle of the example plan, read as the Galapagos middleware
# reads it, its headers compiled, its manifest checked; bad input; and, when a Galapagos checkout
# is named by ATOLL_GALAPAGOS_DIR, the real middleware run on it (scripts/check-galapagos.sh).
set(WITH_BUNDLE ${CMAKE_CURRENT_SOURCE_DIR}/with_bundle.sh)
set(READ_LIKE_YUGAO ${PROJECT_SOURCE_DIR}/tests/codegen/read_like_yugao.py)
set(CHECK_GALAPAGOS ${PROJECT_SOURCE_DIR}/scripts/check-galapagos.sh)

atoll_cli_test(build_example 0 "^bundle: .*/bundle \\(42 files, checksums in MANIFEST.sha256\\)$"
               ${ATOLL} build --plan ${PLAN6} --force -o ${OUT}/bundle)
atoll_cli_test(build_manifest_checks 0 "^41 files OK$"
               ${WITH_BUNDLE} ${ATOLL} ${PLAN6} ${OUT}/bundle-sum --
               sh -c "sha256sum --quiet -c MANIFEST.sha256 && echo \"$(wc -l < MANIFEST.sha256) files OK\"")
# Every parameters.hpp is C++11 (what Vivado HLS compiles), warning-free, and a cluster's headers
# can meet in one translation unit. (add_test, not atoll_cli_test: ${ARGN} would split at ';'.)
add_test(NAME cli.build_headers_compile
         COMMAND ${EXPECT} 0 "^38 headers compile$" -- ${WITH_BUNDLE} ${ATOLL} ${PLAN6} ${OUT}/bundle-hpp --
                 sh -c "for h in cluster_0/kern_*/parameters.hpp; do echo \"#include \\\"$PWD/$h\\\"\"; done > ../bundle-hpp.cpp && ${CMAKE_CXX_COMPILER} -std=c++11 -Wall -Wextra -Werror -fsyntax-only ../bundle-hpp.cpp && echo \"$(grep -c include ../bundle-hpp.cpp) headers compile\"")
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

# Read as yugao's cluster.py reads it (needs /usr/bin/python3 with xmltodict; skipped without).
add_test(NAME cli.build_reads_like_yugao
         COMMAND sh -c "/usr/bin/python3 -c 'import xmltodict' 2>/dev/null || { echo 'skipped: /usr/bin/python3 with xmltodict not found (apt install python3-xmltodict)'; exit 77; }; exec '${EXPECT}' 0 '^cluster_0: 39 kernel IDs, 38 IPs on 6 nodes, read as written$' -- '${WITH_BUNDLE}' '$<TARGET_FILE:atoll>' '${PLAN6}' '${OUT}/bundle-py' -- /usr/bin/python3 '${READ_LIKE_YUGAO}' .")
# The real middleware (scripts/check-galapagos.sh), when ATOLL_GALAPAGOS_DIR names a checkout of
# UofT-HPRC/galapagos branch yugao; skipped otherwise.
add_test(NAME cli.build_checked_by_real_galapagos
         COMMAND sh -c "test -n \"$ATOLL_GALAPAGOS_DIR\" || { echo 'skipped: set ATOLL_GALAPAGOS_DIR to a work tree of UofT-HPRC/galapagos, branch yugao, to run its middleware on the bundle'; exit 77; }; exec '${EXPECT}' 0 '^check-galapagos: 1 cluster[(]s[)] pass$' -- '${WITH_BUNDLE}' '$<TARGET_FILE:atoll>' '${PLAN6}' '${OUT}/bundle-real' -- '${CHECK_GALAPAGOS}' . \"$ATOLL_GALAPAGOS_DIR\"")
set_tests_properties(cli.build_headers_compile cli.build_board_without_galapagos_name
                     cli.build_reads_like_yugao cli.build_checked_by_real_galapagos
                     PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)
