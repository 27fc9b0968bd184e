# --read through the page tables of the samples (dumpgen's TranslationFixtures): a read across a
# 4 KiB boundary, across frames of a 2 MiB page whose PAT bit is set, inside a 1 GiB page, through a
# transition PTE (with bit 45 set on 19041), and a clean error for every page that is not there.
set(W7 win7sp1_7601_article.dmp)
dumpprocs_cli_test(NAME read.cross_page ARGS "${W7} --read 0xfffff90080005ff8 --length 0x10"
                   GOLDEN read_cross_page.txt)
dumpprocs_cli_test(NAME read.cross_page.bitmap
                   ARGS "win7sp1_7601_article_bitmap.dmp --read 0xfffff90080005ff8 --length 0x10"
                   GOLDEN read_cross_page.txt)
dumpprocs_cli_test(NAME read.large2m ARGS "${W7} --read 0xfffff90000000ff8 --length 0x10"
                   GOLDEN read_large2m.txt)
dumpprocs_cli_test(NAME read.large2m.bitmap
                   ARGS "win7sp1_7601_article_bitmap.dmp --read 0xfffff90000000ff8 --length 0x10"
                   GOLDEN read_large2m.txt)
dumpprocs_cli_test(NAME read.large1g ARGS "${W7} --read 0xfffff90052345000 --length 8 --format json"
                   STDOUT_CONTAINS "\"physical_address\": \"0x0000000092345000\"")
dumpprocs_cli_test(NAME read.large1g.absent ARGS "${W7} --read 0xfffff90040001000 --length 8"
                   EXIT 3 STDOUT_CONTAINS "maps to physical 0x80001000, which is not in the dump")
dumpprocs_cli_test(NAME read.transition ARGS "${W7} --read 0xfffff90080000000 --length 8"
                   STDOUT_CONTAINS "44 50 46 58 07 00 00 00")
dumpprocs_cli_test(NAME read.transition_bit45 ARGS "dkom_19041.dmp --read 0xfffff90080000000 --length 8"
                   STDOUT_CONTAINS "44 50 46 58 07 00 00 00")
dumpprocs_cli_test(NAME read.transition.absent ARGS "${W7} --read 0xfffff90080007000 --length 8"
                   EXIT 3 STDOUT_CONTAINS "(transition page), which is not in the dump")
dumpprocs_cli_test(NAME read.prototype ARGS "${W7} --read 0xfffff90080001000 --length 8"
                   EXIT 3 STDOUT_CONTAINS "prototype PTE 0xa800123450000400")
dumpprocs_cli_test(NAME read.paged_out ARGS "${W7} --read 0xfffff90080002000 --length 8"
                   EXIT 3 STDOUT_CONTAINS "is paged out")
dumpprocs_cli_test(NAME read.frame_absent ARGS "${W7} --read 0xfffff90080003000 --length 8"
                   EXIT 3 STDOUT_CONTAINS "maps to physical 0x7fff0000, which is not in the dump")
dumpprocs_cli_test(NAME read.unmapped ARGS "${W7} --read 0xfffff8a0dead0000 --length 0x10"
                   EXIT 3 STDOUT_CONTAINS "?? (cannot read: 0xfffff8a0dead0000 is not mapped")
dumpprocs_cli_test(NAME read.physical ARGS "${W7} --read 0x40001000 --length 0x8 --physical --format json"
                   STDOUT_CONTAINS "\"hex\": \"4450465801000000\"")
dumpprocs_cli_test(NAME read.physical.absent ARGS "${W7} --read 0x7fff0000 --length 0x8 --physical"
                   EXIT 3 STDOUT_CONTAINS "not in the dump")
dumpprocs_cli_test(NAME read.noncanonical ARGS "${W7} --read 0x0000900000000000"
                   EXIT 3 STDOUT_CONTAINS "not a canonical address")
# --read --format csv: a row per 16 bytes (address, hex, ascii) like the text dump's lines; the
# first byte that could not be read ends it with a row naming why (issue 17 item 6).
dumpprocs_cli_test(NAME read.csv_rows ARGS "${W7} --read 0xfffff90080005ff8 --length 0x1c --format csv"
                   GOLDEN read_cross_page.csv)
dumpprocs_cli_test(NAME read.csv_stops ARGS "${W7} --read 0xfffff90080000ff0 --length 0x30 --format csv"
                   EXIT 3 GOLDEN read_csv_stops.csv)
