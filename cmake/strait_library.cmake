# strait_library(NAME SOURCES ... DEPS ...)
# One module = one static library `strait_<NAME>` with public headers under
# include/strait/<NAME>/. DEPS are the modules (or imported targets) it may use;
# a dependency that is not declared here fails to link, which keeps the module
# graph one-way.
function(strait_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(strait_${name} STATIC ${ARG_SOURCES})
  add_library(strait::${name} ALIAS strait_${name})
  target_include_directories(strait_${name} PUBLIC ${PROJECT_SOURCE_DIR}/include)
  target_link_libraries(strait_${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()
