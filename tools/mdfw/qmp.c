// SPDX-License-Identifier: GPL-2.0
#include "qmp.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util.h"

/* query-pci of a big machine is a few hundred KiB; anything huge is bogus. */
#define QMP_MAX_LINE (16u << 20)
#define QMP_CONNECT_RETRY_MS 50

static int poll_ms_until(uint64_t deadline)
{
	uint64_t now = mono_ns();
	uint64_t ms;

	if (now >= deadline)
		return 0;
	ms = (deadline - now + 999999) / 1000000;
	return ms > 60000 ? 60000 : (int)ms;
}

int qmp_connect(struct qmp *q, const char *path, uint64_t connect_deadline,
		uint64_t deadline, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	json_object *greeting = NULL, *ver;
	uint64_t rx;
	int ret;

	memset(q, 0, sizeof(*q));
	q->fd = -1;
	q->next_id = 1;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "QMP socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);

	/*
	 * QEMU creates the socket only once it has parsed its command line,
	 * and the scenario scripts may start us first: retry "no such file"
	 * and "connection refused" (stale socket file) for a while.
	 */
	for (;;) {
		q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (q->fd < 0) {
			ret = -errno;
			snprintf(err, errlen, "socket: %s", strerror(-ret));
			return ret;
		}
		if (!connect(q->fd, (struct sockaddr *)&sa, sizeof(sa)))
			break;
		ret = -errno;
		close(q->fd);
		q->fd = -1;
		if ((ret != -ENOENT && ret != -ECONNREFUSED) ||
		    mono_ns() >= connect_deadline) {
			snprintf(err, errlen, "cannot connect to QMP socket %s: "
				 "%s (is QEMU running with -qmp unix:%s,"
				 "server=on,wait=off?)", path, strerror(-ret),
				 path);
			return ret;
		}
		poll(NULL, 0, QMP_CONNECT_RETRY_MS);
	}

	ret = qmp_recv(q, deadline, &greeting, &rx);
	if (ret) {
		snprintf(err, errlen, "no QMP greeting on %s: %s%s", path,
			 strerror(-ret), ret == -ETIMEDOUT ?
			 " (another QMP client connected?)" : "");
		goto fail;
	}
	if (!json_object_object_get_ex(greeting, "QMP", &ver)) {
		snprintf(err, errlen, "%s: not a QMP greeting: %.200s", path,
			 json_object_to_json_string(greeting));
		json_object_put(greeting);
		ret = -EPROTO;
		goto fail;
	}
	json_object_put(greeting);

	ret = qmp_execute(q, "qmp_capabilities", NULL, deadline, NULL, err,
			  errlen);
	if (ret)
		goto fail;
	return 0;
fail:
	qmp_close(q);
	return ret;
}

void qmp_close(struct qmp *q)
{
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
	free(q->buf);
	q->buf = NULL;
	q->len = q->cap = 0;
}

/* Parse one line; NULL if it is not exactly one JSON object. */
static json_object *parse_line(const char *s, size_t len)
{
	json_tokener *tok;
	json_object *obj;
	size_t end;

	while (len && (s[len - 1] == '\r' || s[len - 1] == ' '))
		len--;
	if (len > INT32_MAX)
		return NULL;
	tok = json_tokener_new();
	if (!tok)
		return NULL;
	obj = json_tokener_parse_ex(tok, s, (int)len);
	end = json_tokener_get_parse_end(tok);
	if (json_tokener_get_error(tok) != json_tokener_success || end != len ||
	    !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	return obj;
}

int qmp_recv(struct qmp *q, uint64_t deadline, json_object **msg,
	     uint64_t *rx_ns)
{
	for (;;) {
		char *nl = q->len ? memchr(q->buf, '\n', q->len) : NULL;
		struct pollfd pfd = { .fd = q->fd, .events = POLLIN };
		ssize_t n;
		int r;

		if (nl) {
			size_t line = (size_t)(nl - q->buf);
			bool blank = line == 0 ||
				     (line == 1 && q->buf[0] == '\r');
			json_object *obj = blank ? NULL :
					   parse_line(q->buf, line);

			memmove(q->buf, nl + 1, q->len - line - 1);
			q->len -= line + 1;
			if (blank)
				continue;
			if (!obj)
				return -EPROTO;
			*msg = obj;
			*rx_ns = mono_ns();
			return 0;
		}
		if (q->len >= QMP_MAX_LINE)
			return -EPROTO;
		if (q->cap - q->len < 4096) {
			size_t ncap = q->cap ? q->cap * 2 : 65536;
			char *nb = realloc(q->buf, ncap);

			if (!nb)
				return -ENOMEM;
			q->buf = nb;
			q->cap = ncap;
		}
		r = poll(&pfd, 1, poll_ms_until(deadline));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0) {
			if (mono_ns() >= deadline)
				return -ETIMEDOUT;
			continue;
		}
		n = recv(q->fd, q->buf + q->len, q->cap - q->len, 0);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return errno == ECONNRESET ? -ECONNRESET : -errno;
		}
		if (n == 0)
			return -ECONNRESET;
		q->len += (size_t)n;
	}
}

static void note_event(struct qmp *q, json_object *msg)
{
	json_object *ev;

	if (!json_object_object_get_ex(msg, "event", &ev) ||
	    !json_object_is_type(ev, json_type_string))
		return;
	if (!strcmp(json_object_get_string(ev), "STOP"))
		q->saw_stop = true;
	else if (!strcmp(json_object_get_string(ev), "RESUME"))
		q->saw_stop = false;
}

/* Send fd (if >= 0) with the first byte, as SCM_RIGHTS ancillary data. */
static int send_fd(struct qmp *q, const char *s, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = (void *)(uintptr_t)s, .iov_len = 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c;
	ssize_t n;

	memset(&u, 0, sizeof(u));
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	do {
		n = sendmsg(q->fd, &mh, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EPIPE ? -ECONNRESET : -errno;
	return n == 1 ? 0 : -EIO;
}

static int send_obj(struct qmp *q, json_object *obj, int fd)
{
	const char *s = json_object_to_json_string_ext(obj,
						       JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(s);
	int r;

	if (fd >= 0 && len) {
		r = send_fd(q, s, fd);
		if (r)
			return r;
		s++;
		len--;
	}
	while (len) {
		/* MSG_NOSIGNAL: a dead QEMU must be an error, not SIGPIPE. */
		ssize_t n = send(q->fd, s, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EPIPE ? -ECONNRESET : -errno;
		}
		s += n;
		len -= (size_t)n;
	}
	return send(q->fd, "\n", 1, MSG_NOSIGNAL) == 1 ? 0 : -ECONNRESET;
}

int qmp_send_cmd(struct qmp *q, const char *cmd, json_object *args, int fd,
		 int64_t *id, char *err, size_t errlen)
{
	json_object *req = json_object_new_object();
	int r;

	if (!req)
		return -ENOMEM;
	*id = q->next_id++;
	json_object_object_add(req, "execute", json_object_new_string(cmd));
	if (args)
		json_object_object_add(req, "arguments", json_object_get(args));
	json_object_object_add(req, "id", json_object_new_int64(*id));
	r = send_obj(q, req, fd);
	json_object_put(req);
	if (r)
		snprintf(err, errlen, "QMP %s: sending: %s", cmd, strerror(-r));
	return r;
}

/* The id of a reply, or 0 (an event, or no integer id). */
static int64_t reply_id(json_object *msg)
{
	json_object *jid;

	if (json_object_object_get_ex(msg, "event", NULL) ||
	    !json_object_object_get_ex(msg, "id", &jid) ||
	    !json_object_is_type(jid, json_type_int))
		return 0;
	return json_object_get_int64(jid);
}

int qmp_reply_value(json_object *msg, const char *cmd, json_object **ret,
		    char *err, size_t errlen)
{
	json_object *val;
	int r = 0;

	if (json_object_object_get_ex(msg, "return", &val)) {
		if (ret)
			*ret = json_object_get(val);
	} else if (json_object_object_get_ex(msg, "error", &val)) {
		snprintf(err, errlen, "QMP %s failed: %.300s", cmd,
			 json_object_to_json_string(val));
		r = -EPROTO;
	} else {
		snprintf(err, errlen, "QMP %s: unexpected reply %.300s",
			 cmd, json_object_to_json_string(msg));
		r = -EPROTO;
	}
	json_object_put(msg);
	return r;
}

int qmp_reply(struct qmp *q, const char *cmd, int64_t id, uint64_t deadline,
	      json_object **ret, char *err, size_t errlen)
{
	int r;

	for (;;) {
		json_object *msg;
		uint64_t rx;

		r = qmp_recv(q, deadline, &msg, &rx);
		if (r) {
			snprintf(err, errlen, "QMP %s: %s", cmd,
				 r == -ECONNRESET ? "QEMU closed the connection" :
				 r == -EPROTO ? "malformed message from QEMU" :
				 strerror(-r));
			return r;
		}
		note_event(q, msg);
		if (reply_id(msg) == id)
			return qmp_reply_value(msg, cmd, ret, err, errlen);
		json_object_put(msg);	/* an event, or a stale reply */
	}
}

static int execute(struct qmp *q, const char *cmd, json_object *args,
		   int fd, uint64_t deadline, json_object **ret, char *err,
		   size_t errlen)
{
	int64_t id;
	int r;

	r = qmp_send_cmd(q, cmd, args, fd, &id, err, errlen);
	return r ? r : qmp_reply(q, cmd, id, deadline, ret, err, errlen);
}

int qmp_execute(struct qmp *q, const char *cmd, json_object *args,
		uint64_t deadline, json_object **ret, char *err,
		size_t errlen)
{
	return execute(q, cmd, args, -1, deadline, ret, err, errlen);
}

int qmp_execute_fd(struct qmp *q, const char *cmd, json_object *args,
		   int fd, uint64_t deadline, json_object **ret, char *err,
		   size_t errlen)
{
	return execute(q, cmd, args, fd, deadline, ret, err, errlen);
}

int qmp_wait_event(struct qmp *q, const char *const *names, uint64_t deadline,
		   const char **name, json_object **data, uint64_t *rx_ns)
{
	for (;;) {
		json_object *msg, *ev, *d;
		const char *s;
		size_t i;
		int r;

		r = qmp_recv(q, deadline, &msg, rx_ns);
		if (r)
			return r;
		if (!json_object_object_get_ex(msg, "event", &ev) ||
		    !json_object_is_type(ev, json_type_string)) {
			json_object_put(msg);	/* stray reply */
			continue;
		}
		note_event(q, msg);
		s = json_object_get_string(ev);
		for (i = 0; names[i]; i++) {
			if (strcmp(s, names[i]))
				continue;
			*name = names[i];
			*data = json_object_object_get_ex(msg, "data", &d) ?
				json_object_get(d) : NULL;
			json_object_put(msg);
			return 0;
		}
		json_object_put(msg);
	}
}

int qmp_wait_paused(struct qmp *q, uint64_t deadline, int64_t pending,
		    json_object **reply, bool *after_stop, char *err,
		    size_t errlen)
{
	const uint64_t poll_ns = QMP_PAUSE_POLL_MS * UINT64_C(1000000);
	uint64_t ask = mono_ns() + poll_ns, rx;
	int64_t status = 0;	/* query-status in flight */

	if (reply)
		*reply = NULL;
	while (!q->saw_stop) {
		json_object *msg, *st, *running;
		int64_t id;
		bool up;
		int r;

		if (!status && mono_ns() >= ask) {
			r = qmp_send_cmd(q, "query-status", NULL, -1, &status,
					 err, errlen);
			if (r)
				return r;
		}
		r = qmp_recv(q, status || ask > deadline ? deadline : ask,
			     &msg, &rx);
		if (r == -ETIMEDOUT && mono_ns() < deadline)
			continue;
		if (r == -ETIMEDOUT) {
			snprintf(err, errlen, "VM still running");
			return r;
		}
		if (r) {
			snprintf(err, errlen, "QMP: waiting for STOP: %s",
				 r == -ECONNRESET ? "QEMU closed the "
				 "connection" : r == -EPROTO ? "malformed "
				 "message from QEMU" : strerror(-r));
			return r;
		}
		note_event(q, msg);
		id = reply_id(msg);
		if (id && id == pending && reply && !*reply) {
			*reply = msg;	/* STOP came before it, or not */
			*after_stop = q->saw_stop;
			continue;
		}
		if (!id || id != status) {
			json_object_put(msg);	/* an event, stray reply */
			continue;
		}
		status = 0;
		st = NULL;
		r = qmp_reply_value(msg, "query-status", &st, err, errlen);
		if (r)
			return r;
		up = !json_object_object_get_ex(st, "running", &running) ||
		     json_object_get_boolean(running);
		json_object_put(st);
		if (!up)
			return 0;
		ask = mono_ns() + poll_ns;
	}
	return 0;
}

static bool get_int(json_object *obj, const char *key, int64_t *v)
{
	json_object *o;

	if (!json_object_object_get_ex(obj, key, &o) ||
	    !json_object_is_type(o, json_type_int))
		return false;
	*v = json_object_get_int64(o);
	return true;
}

struct bar_hit {
	unsigned int count;	/* ivshmem devices seen */
	unsigned int matches;	/* of those, with BAR size == shm size */
	int64_t addr, size;	/* the chosen one */
	int64_t any_addr, any_size;
	bool any_bar;
};

static void scan_devices(json_object *devices, uint64_t shm_size,
			 struct bar_hit *h, int depth);

static void scan_device(json_object *dev, uint64_t shm_size,
			struct bar_hit *h, int depth)
{
	json_object *id, *regions, *bridge, *sub;
	int64_t vendor, device, addr = -1, size = -1;
	size_t i, n;

	if (json_object_object_get_ex(dev, "pci_bridge", &bridge) &&
	    json_object_object_get_ex(bridge, "devices", &sub))
		scan_devices(sub, shm_size, h, depth + 1);

	if (!json_object_object_get_ex(dev, "id", &id) ||
	    !get_int(id, "vendor", &vendor) || !get_int(id, "device", &device) ||
	    vendor != IVSHMEM_VENDOR_ID || device != IVSHMEM_DEVICE_ID)
		return;
	h->count++;
	if (!json_object_object_get_ex(dev, "regions", &regions) ||
	    !json_object_is_type(regions, json_type_array))
		return;
	n = json_object_array_length(regions);
	for (i = 0; i < n; i++) {
		json_object *r = json_object_array_get_idx(regions, i), *type;
		int64_t bar;

		if (!get_int(r, "bar", &bar) || bar != IVSHMEM_SHM_BAR ||
		    !json_object_object_get_ex(r, "type", &type) ||
		    strcmp(json_object_get_string(type), "memory") ||
		    !get_int(r, "address", &addr) || !get_int(r, "size", &size))
			continue;
		break;
	}
	/* QEMU reports an unassigned BAR as address -1 (PCI_BAR_UNMAPPED). */
	if (i == n || addr <= 0 || size <= 0)
		return;
	h->any_bar = true;
	h->any_addr = addr;
	h->any_size = size;
	if ((uint64_t)size == shm_size) {
		h->matches++;
		h->addr = addr;
		h->size = size;
	}
}

static void scan_devices(json_object *devices, uint64_t shm_size,
			 struct bar_hit *h, int depth)
{
	size_t i, n;

	/* json-c already limits nesting; this is belt and braces. */
	if (depth > 64 || !json_object_is_type(devices, json_type_array))
		return;
	n = json_object_array_length(devices);
	for (i = 0; i < n; i++)
		scan_device(json_object_array_get_idx(devices, i), shm_size, h,
			    depth);
}

int qmp_find_ivshmem_bar2(json_object *query_pci, uint64_t shm_size,
			  uint64_t *addr, uint64_t *size, char *err,
			  size_t errlen)
{
	struct bar_hit h = { 0 };
	size_t i, n;

	if (!json_object_is_type(query_pci, json_type_array)) {
		snprintf(err, errlen, "query-pci: unexpected reply");
		return -EPROTO;
	}
	n = json_object_array_length(query_pci);
	for (i = 0; i < n; i++) {
		json_object *bus = json_object_array_get_idx(query_pci, i);
		json_object *devs;

		if (json_object_object_get_ex(bus, "devices", &devs))
			scan_devices(devs, shm_size, &h, 0);
	}
	if (h.count == 0) {
		snprintf(err, errlen, "no ivshmem device (PCI %04x:%04x) in "
			 "query-pci", IVSHMEM_VENDOR_ID, IVSHMEM_DEVICE_ID);
		return -ENOENT;
	}
	if (h.count == 1 && h.any_bar) {
		/* A single device: use it even if its size looks odd. */
		*addr = (uint64_t)h.any_addr;
		*size = (uint64_t)h.any_size;
		return 0;
	}
	if (h.matches == 1) {
		*addr = (uint64_t)h.addr;
		*size = (uint64_t)h.size;
		return 0;
	}
	if (h.count == 1) {
		snprintf(err, errlen, "ivshmem BAR %d is not mapped (guest "
			 "has not enumerated PCI yet?)", IVSHMEM_SHM_BAR);
		return -ENOENT;
	}
	snprintf(err, errlen, "%u ivshmem devices and %u with a %" PRIu64
		 "-byte BAR %d: ambiguous, use --bar2", h.count, h.matches,
		 shm_size, IVSHMEM_SHM_BAR);
	return -EPROTO;
}
