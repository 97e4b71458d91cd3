/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal synchronous QMP client (QEMU Machine Protocol) over a unix socket.
 *
 * QEMU sends one JSON object per line: a greeting, then command responses
 * ({"return": ...} or {"error": ...}, carrying our "id") and asynchronous
 * events ({"event": NAME, "data": ..., "timestamp": ...}) in any order.
 */
#ifndef MDFW_QMP_H
#define MDFW_QMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json.h>

struct qmp {
	int fd;
	char *buf;		/* received bytes not yet consumed */
	size_t len;
	size_t cap;
	int64_t next_id;
	bool saw_stop;		/* STOP received, no RESUME since */
};

/*
 * All functions returning int return 0 on success or a negative errno:
 * -ETIMEDOUT (deadline passed), -ECONNRESET (QEMU closed the connection),
 * -EPROTO (malformed message or QMP error response; details in err).
 * Deadlines are absolute mono_ns() values.
 */

/*
 * Connect to the QMP unix socket at path, retrying while it does not exist
 * or refuses connections (QEMU not started yet) until connect_deadline;
 * then read the greeting and negotiate capabilities (qmp_capabilities)
 * before deadline.
 */
int qmp_connect(struct qmp *q, const char *path, uint64_t connect_deadline,
		uint64_t deadline, char *err, size_t errlen);
void qmp_close(struct qmp *q);

/*
 * Receive one message. *msg is owned by the caller (json_object_put).
 * *rx_ns is the mono_ns() time it was taken from the socket.
 */
int qmp_recv(struct qmp *q, uint64_t deadline, json_object **msg,
	     uint64_t *rx_ns);

/*
 * Execute cmd (args may be NULL; borrowed) and wait for its response;
 * events received meanwhile are dropped (STOP and RESUME are noted in
 * saw_stop), and so are replies to other commands (earlier ones whose
 * reply was not waited for).
 * On success *ret (if non-NULL) gets a new reference to the "return" value.
 */
int qmp_execute(struct qmp *q, const char *cmd, json_object *args,
		uint64_t deadline, json_object **ret, char *err,
		size_t errlen);

/*
 * qmp_execute() sending the file descriptor fd with the command (SCM_RIGHTS,
 * as QEMU's "getfd" wants it).
 */
int qmp_execute_fd(struct qmp *q, const char *cmd, json_object *args,
		   int fd, uint64_t deadline, json_object **ret, char *err,
		   size_t errlen);

/*
 * The two halves of qmp_execute(), so that several commands can be in
 * flight at once (QEMU answers them in order): qmp_send_cmd() sends cmd
 * (with fd as qmp_execute_fd() if fd >= 0) and gives its id;
 * qmp_reply() waits for the reply with that id, like qmp_execute().
 * Replies must be waited for in the order the commands were sent (an
 * earlier reply is dropped as stale while waiting for a later one).
 */
int qmp_send_cmd(struct qmp *q, const char *cmd, json_object *args, int fd,
		 int64_t *id, char *err, size_t errlen);
int qmp_reply(struct qmp *q, const char *cmd, int64_t id, uint64_t deadline,
	      json_object **ret, char *err, size_t errlen);
/* What a reply message (consumed) says, as qmp_reply() tells it. */
int qmp_reply_value(json_object *msg, const char *cmd, json_object **ret,
		    char *err, size_t errlen);

/*
 * Wait for the first event whose name is in names (NULL-terminated).
 * On success: *name points to the matching entry of names, *data gets a
 * new reference to the event's "data" (or NULL), *rx_ns the arrival time.
 */
int qmp_wait_event(struct qmp *q, const char *const *names, uint64_t deadline,
		   const char **name, json_object **data, uint64_t *rx_ns);

/*
 * After a trigger event: wait until the VM is not running. QEMU sends
 * STOP once every vCPU is paused (right after WATCHDOG/GUEST_PANICKED
 * with action pause): that event ends the wait, no round trip needed.
 * Without it, query-status is asked every QMP_PAUSE_POLL_MS (a VM
 * stopped already, or one whose action is not pause); -ETIMEDOUT if it
 * stays up until deadline.
 *
 * One command sent before may be in flight (pending: its id, 0 none):
 * if its reply comes meanwhile, *reply gets it (the message, for
 * qmp_reply_value(); else NULL: wait for it with qmp_reply()), and
 * *after_stop whether STOP came before it. QEMU runs commands, stops
 * the VM and sends its replies and events in one thread, in order: a
 * reply after STOP is of a command run on the stopped VM.
 */
#define QMP_PAUSE_POLL_MS 5
int qmp_wait_paused(struct qmp *q, uint64_t deadline, int64_t pending,
		    json_object **reply, bool *after_stop, char *err,
		    size_t errlen);

#define IVSHMEM_VENDOR_ID 0x1af4
#define IVSHMEM_DEVICE_ID 0x1110
#define IVSHMEM_SHM_BAR 2

/*
 * Find the ivshmem device's BAR 2 in a query-pci "return" value (walking
 * PCI bridges). If several ivshmem devices exist, the one whose BAR size
 * equals shm_size is chosen; ambiguity is an error. Returns 0, -ENOENT
 * (none found, or BAR not mapped), or -EPROTO (ambiguous/malformed);
 * err says which.
 */
int qmp_find_ivshmem_bar2(json_object *query_pci, uint64_t shm_size,
			  uint64_t *addr, uint64_t *size, char *err,
			  size_t errlen);

#endif /* MDFW_QMP_H */
