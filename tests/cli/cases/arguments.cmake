# Argument checks (issue 17, item 7): a mistake in the options is a usage error (exit 2) with one
# line starting "error:", never a silently different run.
set(A7 win7sp1_7601_article.dmp)
# std::stoull reads "-5" as 2^64-5: refused, as are 0 and more than analysis::kMaxReadLength.
dumpprocs_cli_test(NAME args.length_negative ARGS "${A7} --read 0xfffff80003c80ac0 --length -5"
                   EXIT 2 STDERR_CONTAINS "error: --length '-5' is not a byte count from 1 to 0x100000")
dumpprocs_cli_test(NAME args.length_zero ARGS "${A7} --read 0xfffff80003c80ac0 --length 0"
                   EXIT 2 STDERR_CONTAINS "error: --length '0' is not a byte count")
dumpprocs_cli_test(NAME args.length_absurd ARGS "${A7} --read 0xfffff80003c80ac0 --length 0x100001"
                   EXIT 2 STDERR_CONTAINS "error: --length '0x100001' is not a byte count")
dumpprocs_cli_test(NAME args.length_ok ARGS "${A7} --read 0xfffff80003c80ac0 --length 0x10"
                   STDOUT_CONTAINS "fffff800`03c80ac0")
# Modifiers without the mode they modify.
dumpprocs_cli_test(NAME args.length_without_read ARGS "${A7} --length 0x10 --no-scan"
                   EXIT 2 STDERR_CONTAINS "error: --length applies only to --read ADDR")
dumpprocs_cli_test(NAME args.physical_without_read ARGS "${A7} --physical --info"
                   EXIT 2 STDERR_CONTAINS "error: --physical applies only to --read ADDR")
dumpprocs_cli_test(NAME args.all_fields_without_show_profile ARGS "${A7} --all-fields --info"
                   EXIT 2 STDERR_CONTAINS "error: --all-fields applies only to --show-profile")
# --dtb serves raw images only: session.cpp never passes it to a crash dump's kernel.
dumpprocs_cli_test(NAME args.dtb_crash_dump ARGS "${A7} --dtb 0x187000 --view active"
                   EXIT 2 STDERR_CONTAINS "error: ${A7}: --dtb applies to raw images only")
# --diff takes exactly two views.
dumpprocs_cli_test(NAME args.diff_three ARGS "${A7} --diff active,mm,cid"
                   EXIT 2 STDERR_CONTAINS "error: --diff compares exactly two views: A,B (e.g. active,mm), not 'active,mm,cid'")
dumpprocs_cli_test(NAME args.diff_one ARGS "${A7} --diff active"
                   EXIT 2 STDERR_CONTAINS "error: --diff compares exactly two views")
# `--dt T ADDR DUMP`: --dt took the dump as its pattern; the right order is named.
dumpprocs_cli_test(NAME args.dt_before_dump ARGS "--dt _EPROCESS 0xfffff80003c80ac0 ${A7}"
                   EXIT 2 STDERR_CONTAINS "error: the dump goes before --dt, whose third value is a member PATTERN: dumpprocs ${A7} --dt _EPROCESS 0xfffff80003c80ac0")
# View names and --format/--color values in any case.
dumpprocs_cli_test(NAME args.view_case ARGS "${A7} --view MM" STDOUT_CONTAINS "View mm: ")
dumpprocs_cli_test(NAME args.diff_case ARGS "${A7} --diff Active,MM" STDOUT_CONTAINS "active")
dumpprocs_cli_test(NAME args.format_case ARGS "${A7} --info --format JSON"
                   STDOUT_CONTAINS "\"machine\": \"x64\"")
# CLI11's own messages carry the prefix too.
dumpprocs_cli_test(NAME args.cli11_prefix ARGS "${A7} --no-such-option"
                   EXIT 2 STDERR_CONTAINS "error: The following argument was not expected: --no-such-option")
dumpprocs_cli_test(NAME args.cli11_required ARGS "--info"
                   EXIT 2 STDERR_CONTAINS "error: dump is required")
dumpprocs_cli_test(NAME args.cli11_member ARGS "${A7} --format yaml"
                   EXIT 2 STDERR_CONTAINS "error: --format: ")
# --dt where nothing can be read: one line, exit 3 (as --read).
dumpprocs_cli_test(NAME args.dt_unreadable ARGS "${A7} --dt _EPROCESS 0x1000"
                   EXIT 3 STDERR_CONTAINS "error: --dt _EPROCESS at 0x1000: no member could be read (")
# --dt's type in any case, with or without nt!, as WinDbg takes it.
dumpprocs_cli_test(NAME args.dt_type_case ARGS "${A7} --dt nt!_eprocess 0xfffff80003c80ac0 *links"
                   STDOUT_CONTAINS "nt!_EPROCESS @ 0xfffff800`03c80ac0 (profile 7601a)")
