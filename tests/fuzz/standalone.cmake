# Lets scripts/fuzz.sh build the fuzz targets before the top-level
# CMakeLists.txt adds tests/fuzz itself: passed as
# -DCMAKE_PROJECT_hindsight_INCLUDE=..., it defers reading
# tests/fuzz/CMakeLists.txt to the end of the top-level directory, where every
# library target exists. Once the top level has
# `if(HINDSIGHT_FUZZ) add_subdirectory(tests/fuzz) endif()`, this does nothing.
if(HINDSIGHT_FUZZ)
  # Deferred arguments are evaluated when the call runs: keep the path now.
  set(HINDSIGHT_FUZZ_LISTS ${CMAKE_CURRENT_LIST_DIR}/CMakeLists.txt)
  cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR} CALL cmake_language EVAL CODE [[
    if(NOT TARGET fuzz_form)
      include(${HINDSIGHT_FUZZ_LISTS})
    endif()]])
endif()
