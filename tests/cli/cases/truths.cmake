# Small untruths (issue 17, item 8): what the output says must be what is so.
# The version line names the header's machine: an ARM64 dump is not "x64".
dumpprocs_cli_test(NAME truths.info_arm64_machine ARGS "real/triage_arm64.dmp --info"
                   STDOUT_CONTAINS "Kernel Version 22000 MP (8 procs) Free ARM64")
dumpprocs_cli_test(NAME truths.info_arm64_machine_json ARGS "real/triage_arm64.dmp --info --format json"
                   STDOUT_CONTAINS "Free ARM64\"")
# --validate-list: text and JSON count the same entries (the head not counted); the mm view lists
# the same ring with the head as one more row (135).
dumpprocs_cli_test(NAME truths.validate_list_json ARGS "win7sp1_7601_article.dmp --validate-list 0xfffff80003c80ee0 --format json"
                   STDOUT_CONTAINS "\"forward_entries\": 134,")
# --show-profile with a symbol file: only the members the tool reads (the manifest), and how many
# more the file has; --all-fields lists them.
set(TRUTHS_ISF_DIR ../data/windows-symbols/isf_jpcert)
dumpprocs_cli_test(NAME truths.show_profile_isf_in_use ARGS "dkom_19041.dmp --symbols ${TRUTHS_ISF_DIR} --show-profile"
                   STDOUT_CONTAINS "more members in the symbol file, which the tool does not read: --all-fields lists them)")
dumpprocs_cli_test(NAME truths.show_profile_isf_all ARGS "dkom_19041.dmp --symbols ${TRUTHS_ISF_DIR} --show-profile --all-fields"
                   STDOUT_CONTAINS "Fields (all the symbol file describes):")
# The man page's SEE ALSO names usage.md and json-output.md: cmake --install puts them in place.
add_test(NAME cli.truths.install_docs
         COMMAND ${CMAKE_COMMAND} -DBUILD_DIR=${CMAKE_BINARY_DIR}
                 -DPREFIX=${CMAKE_CURRENT_BINARY_DIR}/install_check -P ${CMAKE_CURRENT_LIST_DIR}/../check_install.cmake)
# Bash completion: --symbols descends into folders; view lists do not offer a view twice.
add_test(NAME cli.truths.bash_completion
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/../check_completion.sh
                 ${PROJECT_SOURCE_DIR}/docs/completion/dumpprocs.bash)
# --dt honours --format (issue 17 item 6): JSON members, and CSV one row per member.
dumpprocs_cli_test(NAME truths.dt_json ARGS "dkom_19041.dmp --dt _EPROCESS 0xffffe00011020060 --format json"
                   STDOUT_CONTAINS "\"name\": \"UniqueProcessId\"")
dumpprocs_cli_test(NAME truths.dt_csv ARGS "dkom_19041.dmp --dt _EPROCESS 0xffffe00011020060 --format csv"
                   STDOUT_CONTAINS "type,address,offset,name,value,depth\n_EPROCESS,0xffffe00011020060,0x440,UniqueProcessId,")
# --cpus CSV: one hex case (lower), as every other table; the text form keeps WinDbg's !running.
dumpprocs_cli_test(NAME truths.cpus_csv_lower_hex ARGS "dkom_19041.dmp --cpus --format csv"
                   STDOUT_CONTAINS "0,0xfffff8047c205180,0xfffff8047c202e80,0xfffff8047c203900,02,16,0x0,0xfffff8047c203900")
