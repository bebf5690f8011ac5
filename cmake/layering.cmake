# The allowed arrows between the layers: the sources of a layer may include
# its own headers and those of the layers listed after its colon, nothing
# else of the project. `ctest -R layering` runs this over the source tree;
# the build enforces the same through include directories (hindsight_layer
# in the top-level CMakeLists.txt gives each layer an include root holding
# only its own directory). Keep this table and the libraries' links in step.
#
#   cmake -DROOT=<source tree> -P cmake/layering.cmake
cmake_minimum_required(VERSION 3.25)

set(arrows
  "bot/core:"
  "config:bot/core"
  "storage:bot/core"
  "adapters/http:bot/core"
  "adapters/outbound:bot/core"
  "adapters/console:bot/core"
  "adapters/web:bot/core"
  "adapters/chat:bot/core,adapters/http,adapters/outbound"
  "adapters/slack:bot/core,config,adapters/http,adapters/outbound,adapters/chat"
  "adapters/mattermost:bot/core,adapters/http,adapters/outbound,adapters/chat"
  "adapters/trackers:bot/core,config,adapters/http,adapters/outbound,adapters/chat"
  "bot/service:bot/core,config,storage,adapters/http,adapters/outbound,adapters/console,adapters/chat,adapters/slack,adapters/mattermost,adapters/web,adapters/trackers")

# Top-level directories whose headers belong to some layer (or to the tests,
# which no layer may include).
set(project_dirs bot config storage adapters tests)

if(NOT ROOT)
  message(FATAL_ERROR "usage: cmake -DROOT=<source tree> -P layering.cmake")
endif()

set(layer_dirs)
foreach(arrow IN LISTS arrows)
  string(REGEX REPLACE ":.*" "" dir "${arrow}")
  list(APPEND layer_dirs ${dir})
endforeach()

# The layer a project path belongs to ("" when none).
function(layer_of path out)
  set(found "")
  foreach(dir IN LISTS layer_dirs)
    string(LENGTH "${dir}/" n)
    string(SUBSTRING "${path}" 0 ${n} head)
    if(head STREQUAL "${dir}/")
      set(found ${dir})
    endif()
  endforeach()
  set(${out} "${found}" PARENT_SCOPE)
endfunction()

set(violations 0)
set(checked 0)
foreach(arrow IN LISTS arrows)
  string(REGEX REPLACE ":.*" "" dir "${arrow}")
  string(REGEX REPLACE "^[^:]*:" "" allowed "${arrow}")
  string(REPLACE "," ";" allowed "${allowed}")
  list(APPEND allowed ${dir})
  if(NOT IS_DIRECTORY ${ROOT}/${dir})
    continue()
  endif()
  file(GLOB_RECURSE sources RELATIVE ${ROOT} ${ROOT}/${dir}/*.cpp ${ROOT}/${dir}/*.hpp)
  foreach(source IN LISTS sources)
    layer_of(${source} owner)
    if(NOT owner STREQUAL dir)
      continue()  # a nested layer's file (none today), checked under its own
    endif()
    math(EXPR checked "${checked} + 1")
    file(STRINGS ${ROOT}/${source} includes REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
    foreach(line IN LISTS includes)
      string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"([^\"]*)\".*" "\\1" target "${line}")
      string(REGEX REPLACE "/.*" "" top "${target}")
      if(NOT top IN_LIST project_dirs)
        continue()
      endif()
      layer_of(${target} to)
      if(NOT to IN_LIST allowed)
        if(to STREQUAL "")
          set(to "${top}/ (no layer)")
        endif()
        message(SEND_ERROR "${source}: includes \"${target}\": ${dir} may not use ${to}")
        math(EXPR violations "${violations} + 1")
      endif()
    endforeach()
  endforeach()
endforeach()

if(checked EQUAL 0)
  message(FATAL_ERROR "layering: no sources under ${ROOT}")
endif()
if(violations GREATER 0)
  message(FATAL_ERROR "layering: ${violations} include(s) against the allowed arrows")
endif()
message(STATUS "layering: ${checked} files, every include along an allowed arrow")
