# `cmake --install` into a scratch prefix puts in place what the man page points to: README.md,
# usage.md and json-output.md (and the JSON Schemas it links) in the documentation directory, the
# man page and the completion.
file(REMOVE_RECURSE ${PREFIX})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX}
                OUTPUT_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed: ${rc}")
endif()
foreach(f share/doc/dumpprocs/README.md share/doc/dumpprocs/usage.md
          share/doc/dumpprocs/json-output.md share/doc/dumpprocs/schema/views.schema.json
          share/doc/dumpprocs/schema/batch.schema.json share/man/man1/dumpprocs.1
          share/bash-completion/completions/dumpprocs bin/dumpprocs)
  if(NOT EXISTS ${PREFIX}/${f})
    message(FATAL_ERROR "cmake --install did not install ${f}")
  endif()
endforeach()
file(REMOVE_RECURSE ${PREFIX})
