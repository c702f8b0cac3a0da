# cmake -DFOLDER=plan -DALLOWED=plan,cost,graph,... -DDIR=src/plan -DSTAMP=file -P check_includes.cmake
# Fails when a source of src/FOLDER includes "<folder>/..." for a folder not in ALLOWED (the
# folder itself and the atoll_* libraries its DEPS reach); writes STAMP when all are allowed.
cmake_minimum_required(VERSION 3.25)
string(REPLACE "," ";" allowed "${ALLOWED}")
file(GLOB files ${DIR}/*.h ${DIR}/*.cpp)
set(errors "")
foreach(file ${files})
  file(STRINGS ${file} lines REGEX "^#include \"[a-z_]+/")
  foreach(line ${lines})
    string(REGEX MATCH "^#include \"([a-z_]+)/" _ "${line}")
    if(NOT CMAKE_MATCH_1 IN_LIST allowed)
      string(APPEND errors "\n  ${file}: ${line}")
    endif()
  endforeach()
endforeach()
if(errors)
  message(FATAL_ERROR
          "src/${FOLDER} may include only ${ALLOWED} (its DEPS in src/${FOLDER}/CMakeLists.txt; "
          "DESIGN.md's data flow):${errors}")
endif()
file(WRITE ${STAMP} "ok\n")
