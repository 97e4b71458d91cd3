// SPDX-License-Identifier: GPL-2.0
/* Unit tests: number parsing, query-pci walking, output file names. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "dump.h"
#include "qmp.h"
#include "tap.h"
#include "util.h"

TEST(parse_numbers)
{
	uint64_t v;

	CHECK(parse_u64("0", &v) && v == 0);
	CHECK(parse_u64("4096", &v) && v == 4096);
	CHECK(parse_u64("0x1000", &v) && v == 4096);
	CHECK(parse_u64("0XfeBF0000", &v) && v == 0xfebf0000u);
	CHECK(parse_u64("1K", &v) && v == 1024);
	CHECK(parse_u64("64M", &v) && v == 64u << 20);
	CHECK(parse_u64("3g", &v) && v == UINT64_C(3) << 30);
	CHECK(parse_u64("2T", &v) && v == UINT64_C(2) << 40);
	CHECK(parse_u64("0x10M", &v) && v == UINT64_C(16) << 20);
	CHECK(parse_u64("18446744073709551615", &v) && v == UINT64_MAX);
	CHECK(parse_u64("0xffffffffffffffff", &v) && v == UINT64_MAX);
	CHECK(!parse_u64("18446744073709551616", &v));
	CHECK(!parse_u64("0x10000000000000000", &v));
	CHECK(!parse_u64("16777216T", &v));	/* 2^64 */
	CHECK(!parse_u64("", &v));
	CHECK(!parse_u64("0x", &v));
	CHECK(!parse_u64("-1", &v));
	CHECK(!parse_u64("+1", &v));
	CHECK(!parse_u64(" 1", &v));
	CHECK(!parse_u64("1 ", &v));
	CHECK(!parse_u64("1KB", &v));
	CHECK(!parse_u64("12abc", &v));
	CHECK(!parse_u64("abc", &v));
	CHECK(!parse_u64(NULL, &v));
}

static int find(const char *json, uint64_t shm, uint64_t *addr,
		uint64_t *size)
{
	json_object *o = json_tokener_parse(json);
	char err[256];
	int ret;

	if (!o)
		return -999;
	ret = qmp_find_ivshmem_bar2(o, shm, addr, size, err, sizeof(err));
	json_object_put(o);
	return ret;
}

/* Shaped like QEMU 7.2 query-pci output (trimmed). */
#define HOSTBRIDGE \
	"{\"bus\":0,\"slot\":0,\"function\":0,\"class_info\":" \
	"{\"desc\":\"Host bridge\",\"class\":1536},\"id\":{\"device\":4663," \
	"\"vendor\":32902},\"regions\":[]}"
#define IVSHMEM(addr, size) \
	"{\"bus\":0,\"slot\":4,\"function\":0,\"class_info\":{\"class\":1280}," \
	"\"id\":{\"device\":4368,\"vendor\":6900,\"subsystem\":4352," \
	"\"subsystem-vendor\":6900},\"irq_pin\":0,\"qdev_id\":\"\"," \
	"\"regions\":[{\"bar\":0,\"type\":\"memory\",\"address\":4273733632," \
	"\"size\":256,\"prefetch\":false,\"mem_type_64\":false}," \
	"{\"bar\":2,\"type\":\"memory\",\"address\":" addr ",\"size\":" size \
	",\"prefetch\":true,\"mem_type_64\":true}]}"

TEST(query_pci_single)
{
	uint64_t a = 0, s = 0;

	CHECK(find("[{\"bus\":0,\"devices\":[" HOSTBRIDGE ","
		   IVSHMEM("4261412864", "1048576") "]}]", 1 << 20, &a, &s)
	      == 0);
	CHECK(a == 4261412864u && s == 1048576);
	/* A single device is used even if its size differs from the file. */
	CHECK(find("[{\"bus\":0,\"devices\":["
		   IVSHMEM("4261412864", "2097152") "]}]", 1 << 20, &a, &s)
	      == 0 && s == 2097152);
}

TEST(query_pci_behind_bridge)
{
	uint64_t a = 0, s = 0;

	CHECK(find("[{\"bus\":0,\"devices\":[" HOSTBRIDGE ",{\"bus\":0,"
		   "\"slot\":5,\"function\":0,\"id\":{\"device\":1,"
		   "\"vendor\":6966},\"regions\":[],\"pci_bridge\":{\"bus\":"
		   "{\"number\":1,\"secondary\":1,\"subordinate\":1},"
		   "\"devices\":[" IVSHMEM("68719476736", "65536") "]}}]}]",
		   65536, &a, &s) == 0);
	CHECK(a == UINT64_C(68719476736) && s == 65536);
}

TEST(query_pci_missing_or_unmapped)
{
	uint64_t a, s;

	CHECK(find("[{\"bus\":0,\"devices\":[" HOSTBRIDGE "]}]", 4096, &a,
		   &s) == -ENOENT);
	CHECK(find("[]", 4096, &a, &s) == -ENOENT);
	/* QEMU reports an unassigned BAR as address -1. */
	CHECK(find("[{\"bus\":0,\"devices\":[" IVSHMEM("-1", "4096") "]}]",
		   4096, &a, &s) == -ENOENT);
	CHECK(find("{}", 4096, &a, &s) == -EPROTO);
	/* Wrong types are ignored, not trusted. */
	CHECK(find("[{\"bus\":0,\"devices\":[" IVSHMEM("\"1\"", "4096")
		   "]}]", 4096, &a, &s) == -ENOENT);
}

TEST(query_pci_several)
{
	uint64_t a = 0, s = 0;

	CHECK(find("[{\"bus\":0,\"devices\":[" IVSHMEM("4261412864", "4096")
		   "," IVSHMEM("4194304000", "65536") "]}]", 65536, &a, &s)
	      == 0);
	CHECK(a == 4194304000u && s == 65536);
	CHECK(find("[{\"bus\":0,\"devices\":[" IVSHMEM("4261412864", "4096")
		   "," IVSHMEM("4194304000", "4096") "]}]", 4096, &a, &s)
	      == -EPROTO);
}

TEST(file_names)
{
	struct md_entry e = { 0 };
	char n[DUMP_NAME_MAX];

	strcpy(e.name, "Kprb");
	dump_file_name(&e, n);
	CHECK(!strcmp(n, "md_Kprb.BIN"));
	e.seq = 2;
	dump_file_name(&e, n);
	CHECK(!strcmp(n, "md_Kprb@2.BIN"));
	/* Longest possible name still fits. */
	strcpy(e.name, "0123456789abcde");
	e.seq = UINT32_MAX;
	dump_file_name(&e, n);
	CHECK(!strcmp(n, "md_0123456789abcde@4294967295.BIN"));
}

int main(void)
{
	RUN(parse_numbers);
	RUN(query_pci_single);
	RUN(query_pci_behind_bridge);
	RUN(query_pci_missing_or_unmapped);
	RUN(query_pci_several);
	RUN(file_names);
	TAP_EXIT();
}
