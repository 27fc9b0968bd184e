// The one _EPROCESS decoder (kernel/process_object) and the member manifest with its one fallback
// (kernel/profile_manifest): the catalog, the scan, the profile selector and raw discovery read
// processes through the first; KernelLayout resolves members only through the second.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <vector>

#include "dumpprocs/kernel/layout.hpp"
#include "dumpprocs/kernel/process_object.hpp"
#include "dumpprocs/kernel/profile.hpp"
#include "dumpprocs/kernel/profile_manifest.hpp"

using namespace dumpprocs;

namespace {

kernel::ProcessLayout layoutOf(const char* row) {
    const kernel::Profile* p = kernel::findBuiltinProfile(row);
    REQUIRE(p);
    auto layout = kernel::KernelLayout::resolve(*p, p->build);
    REQUIRE(layout);
    return layout->process;
}

template <typename T> void put(std::vector<std::byte>& bytes, std::uint32_t offset, T value) {
    REQUIRE(offset + sizeof(T) <= bytes.size());
    std::memcpy(bytes.data() + offset, &value, sizeof(T));
}

// A System process as the kernel makes it, in the bytes of row `p`.
std::vector<std::byte> systemBytes(const kernel::ProcessLayout& p) {
    std::vector<std::byte> b(kernel::processObjectSize(p));
    put<std::uint8_t>(b, p.header_type, 3);
    put<std::uint8_t>(b, p.header_type + 2, 0x30);
    put<std::uint64_t>(b, p.directory_table_base, 0x1ad000);
    put<std::uint64_t>(b, p.unique_process_id, 4);
    std::memcpy(b.data() + p.image_file_name, "System", 6);
    put<std::uint64_t>(b, p.create_time, 0x01d9000000000000ULL);
    const std::uint64_t links = 0xfffff80000100000ULL;
    put<std::uint64_t>(b, p.active_process_links, links);
    put<std::uint64_t>(b, p.active_process_links + 8, links + 0x10);
    put<std::uint32_t>(b, p.inserted.offset, 1u << p.inserted.bit);
    put<std::uint32_t>(b, p.active_threads, 120);
    return b;
}

} // namespace

TEST_CASE("the process decoder reads every member through the layout", "[process_object]") {
    for (const char* row : {"7601c", "9600a", "19041", "26100"}) {
        INFO(row);
        const auto p = layoutOf(row);
        const auto bytes = systemBytes(p);
        auto object = kernel::decodeProcessObject(p, ByteView(bytes.data(), bytes.size()));
        REQUIRE(object);
        CHECK(object->complete);
        CHECK(object->pid == 4);
        CHECK(object->dispatcher_type == 3);
        CHECK(object->directory_table_base == 0x1ad000);
        CHECK(object->active_threads == 120);
        CHECK(object->inserted);
        CHECK_FALSE(object->exiting);
        CHECK(object->active_links.Blink == 0xfffff80000100010ULL);
        CHECK(kernel::isSystemProcess(*object));
    }
}

TEST_CASE("an object cut short keeps its identity or names the member it lacks",
          "[process_object]") {
    const auto p = layoutOf("19041");
    const auto bytes = systemBytes(p);
    SECTION("members past the end read as 0 and mark the object incomplete") {
        const std::size_t cut = p.image_file_name + 15;
        REQUIRE(cut < p.thread_list_head);
        auto object = kernel::decodeProcessObject(p, ByteView(bytes.data(), cut));
        REQUIRE(object);
        CHECK_FALSE(object->complete);
        CHECK(object->thread_list.Flink == 0);
        CHECK(object->pid == 4);
    }
    SECTION("Session and ObjectTable past the end are unknown, never read as NULL") {
        // A NULL Session or ObjectTable explains an absence from the session or handles view; a
        // page the dump lacks must not be taken for one.
        // On the built-in rows both lie before ImageFileName, so the object ends before them only
        // in a layout that orders them last; the decoder must not rely on the order.
        auto moved = p;
        moved.session = static_cast<std::uint32_t>(bytes.size() - 16);
        moved.object_table = static_cast<std::uint32_t>(bytes.size() - 8);
        REQUIRE(*moved.session > p.image_file_name + 15);
        auto object = kernel::decodeProcessObject(moved, ByteView(bytes.data(), *moved.session));
        REQUIRE(object);
        CHECK_FALSE(object->complete);
        CHECK_FALSE(object->session.has_value());
        CHECK_FALSE(object->object_table.has_value());
        auto whole = kernel::decodeProcessObject(moved, ByteView(bytes.data(), bytes.size()));
        REQUIRE(whole);
        CHECK(whole->session == std::uint64_t{0});
        CHECK(whole->object_table == std::uint64_t{0});
    }
    SECTION("an identity member past the end is an error naming it") {
        auto object = kernel::decodeProcessObject(p, ByteView(bytes.data(), p.image_file_name + 4));
        REQUIRE_FALSE(object);
        CHECK_THAT(object.error().message, Catch::Contains("_EPROCESS.ImageFileName"));
    }
}

TEST_CASE("the process checks name what fails", "[process_object]") {
    const auto p = layoutOf("19041");
    auto bytes = systemBytes(p);
    auto decode = [&] {
        auto object = kernel::decodeProcessObject(p, ByteView(bytes.data(), bytes.size()));
        REQUIRE(object);
        return *object;
    };
    const kernel::ProcessPlausibility rules{0xc0, std::nullopt};
    CHECK(kernel::checkProcessObject(decode(), rules));
    SECTION("a thread's dispatcher type") {
        put<std::uint8_t>(bytes, p.header_type, 6);
        auto r = kernel::checkProcessObject(decode(), rules);
        REQUIRE_FALSE(r);
        CHECK_THAT(r.error().message, Catch::Contains("DISPATCHER_HEADER.Type 6"));
        CHECK_FALSE(kernel::isSystemProcess(decode()));
    }
    SECTION("a user-mode list link") {
        put<std::uint64_t>(bytes, p.mm_process_links, 0x7ff600001000ULL);
        auto r = kernel::checkProcessObject(decode(), rules);
        REQUIRE_FALSE(r);
        CHECK_THAT(r.error().message, Catch::Contains("MmProcessLinks.Flink"));
    }
    SECTION("a PID that is no handle value") {
        put<std::uint64_t>(bytes, p.unique_process_id, 6);
        auto r = kernel::checkProcessObject(decode(), rules);
        REQUIRE_FALSE(r);
        CHECK_THAT(r.error().message, Catch::Contains("UniqueProcessId 0x6"));
    }
    SECTION("a process created after the dump was taken") {
        const kernel::ProcessPlausibility early{0xc0, 0x01d8000000000000ULL};
        auto r = kernel::checkProcessObject(decode(), early);
        REQUIRE_FALSE(r);
        CHECK_THAT(r.error().message, Catch::Contains("CreateTime"));
    }
    SECTION("System is told by its name up to the NUL") {
        std::memcpy(bytes.data() + p.image_file_name, "Systemx", 7);
        CHECK_FALSE(kernel::isSystemProcess(decode()));
    }
}

TEST_CASE("every manifest member the built-in rows lack is a member no row has or one that "
          "only some builds have",
          "[profile_manifest]") {
    // The resolver asks only for manifest members; each must exist in some row's data.
    for (const auto& e : kernel::profileManifest()) {
        INFO(e.qualified());
        bool somewhere = false;
        for (const auto& row : kernel::builtinProfiles())
            somewhere = somewhere || row.member(e.qualified()) != nullptr;
        CHECK(somewhere);
    }
}

TEST_CASE("the one fallback fills only types a symbol file leaves out", "[profile_manifest]") {
    kernel::Profile p = *kernel::findBuiltinProfile("19041");
    p.data_source = "ISF trimmed.json";
    p.types.erase("_OBJECT_HEADER");
    auto& eprocess = p.types.at("_EPROCESS").members;
    std::erase_if(eprocess, [](const kernel::MemberInfo& m) { return m.name == "Peb"; });

    const auto filled = kernel::fillFromBuiltinRows(p);
    // _OBJECT_HEADER is the same in every row: filled, and marked so --show-profile says so.
    const kernel::MemberInfo* body = p.member("_OBJECT_HEADER.Body");
    REQUIRE(body);
    CHECK(body->offset == 0x30);
    REQUIRE(body->fallback);
    CHECK_THAT(*body->fallback, Catch::Contains("not in ISF trimmed.json"));
    CHECK(std::find(filled.begin(), filled.end(), "_OBJECT_HEADER.Body") != filled.end());
    // A member missing from a type the file has does not exist in that build: never filled, and
    // the layout names it.
    CHECK_FALSE(p.member("_EPROCESS.Peb"));
    auto layout = kernel::KernelLayout::resolve(p, p.build);
    REQUIRE_FALSE(layout);
    CHECK_THAT(layout.error().message, Catch::Contains("_EPROCESS.Peb"));
}

TEST_CASE("sizes a row's data lacks come from the earlier rows, marked", "[profile_manifest]") {
    // 26100's data has no object-header sources: the scan's sizes are filled and say so.
    const kernel::Profile* row26100 = kernel::findBuiltinProfile("26100");
    REQUIRE(row26100);
    const kernel::TypeInfo* pool = row26100->type("_POOL_HEADER");
    REQUIRE(pool);
    CHECK(pool->size == 0x10);
    REQUIRE(pool->size_fallback);
    CHECK_THAT(*pool->size_fallback, Catch::Contains("not in profile 26100"));
    // 19041's data has them: nothing is filled.
    const kernel::Profile* row19041 = kernel::findBuiltinProfile("19041");
    REQUIRE(row19041);
    for (const char* type : kernel::sizedTypes()) {
        INFO(type);
        const kernel::TypeInfo* t = row19041->type(type);
        REQUIRE(t);
        CHECK(t->size != 0);
        CHECK_FALSE(t->size_fallback);
    }
    // A 7601 row takes no AuditInfo size: no row up to its build has the type.
    const kernel::Profile* row7601 = kernel::findBuiltinProfile("7601c");
    REQUIRE(row7601);
    const kernel::TypeInfo* audit = row7601->type("_OBJECT_HEADER_AUDIT_INFO");
    CHECK((!audit || !audit->size_fallback));
}
