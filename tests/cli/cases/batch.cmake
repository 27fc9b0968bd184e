# Batch mode (issue 8): several dumps or a directory; one bad dump does not stop the others.
dumpprocs_cli_test(NAME batch.text ARGS "dkom_9600.dmp README.md win81_9600_article.dmp -q"
                   EXIT 1 GOLDEN batch_text.txt)
dumpprocs_cli_test(NAME batch.fail_on_hidden ARGS "win81_9600_article.dmp dkom_26100.dmp --fail-on-hidden -q"
                   EXIT 4 STDOUT_CONTAINS "1 with HIDDEN processes")
dumpprocs_cli_test(NAME batch.jsonl ARGS "dkom_7601.dmp README.md --format jsonl"
                   EXIT 1 STDERR_CONTAINS "Batch summary: 2 dumps, 1 with HIDDEN processes, 1 could not be read")
dumpprocs_cli_test(NAME batch.directory ARGS "real --info --format jsonl"
                   STDOUT_CONTAINS "\"dump\":\"real/triage_x64.dmp\"")
add_test(NAME cli.batch.jsonl_lines
         COMMAND ${CMAKE_COMMAND} -DBINARY=$<TARGET_FILE:dumpprocs> -DWORKDIR=${DUMPPROCS_TESTDATA}
                 -P ${CMAKE_CURRENT_LIST_DIR}/../check_jsonl.cmake)
# Issue 17: batch JSON/CSV/jsonl that programs read, parsed by Python's json and csv.
find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND)
  add_test(NAME cli.batch.formats_parse
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/../check_batch_formats.py
                   $<TARGET_FILE:dumpprocs> ${DUMPPROCS_TESTDATA})
endif()
