# Lets scripts/bench.sh build the benchmarks before the top-level
# CMakeLists.txt adds tests/bench itself: passed as
# -DCMAKE_PROJECT_hindsight_INCLUDE=..., it defers add_subdirectory to the end
# of the top-level directory, where every library target exists.
if(HINDSIGHT_BENCH)
  cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR}
                 CALL add_subdirectory ${CMAKE_SOURCE_DIR}/tests/bench ${CMAKE_BINARY_DIR}/tests/bench)
endif()
