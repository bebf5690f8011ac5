# Lets scripts/bench.sh build the benchmarks before the top-level
# CMakeLists.txt adds tests/bench itself: passed as
# -DCMAKE_PROJECT_hindsight_INCLUDE=..., it defers reading
# tests/bench/CMakeLists.txt to the end of the top-level directory, where every
# library target exists (an include: deferred calls may not add subdirectories).
if(HINDSIGHT_BENCH)
  cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR}
                 CALL include ${CMAKE_SOURCE_DIR}/tests/bench/CMakeLists.txt)
endif()
