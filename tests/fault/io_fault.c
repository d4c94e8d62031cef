/*
 * io_fault.c - storage-failure shim, loaded with LD_PRELOAD into the real
 * parley binary (see docs/faults.md and io_fault_test.py).
 *
 * Calls are counted per operation class, in the order the process makes them
 * (an atomic counter: the write-set workers write from several threads):
 *   write   write() on a regular file
 *   pwrite  pwrite()/pwrite64() on a regular file (SQLite's pages and WAL)
 *   fsync   fsync()
 *   fdatasync fdatasync() (SQLite)
 *   rename  rename()/renameat()
 *   open    open()/open64()/openat()/openat64() (any file; the brief's "openat")
 *   mkdir   mkdir()/mkdirat()
 * Writes to pipes, sockets and terminals are neither counted nor failed: the
 * command's own messages must reach the driver.
 *
 * Environment:
 *   IOFAULT_OP=CLASS   the class to fault (unset: count only)
 *   IOFAULT_N=N        fault its N-th call (1-based); every other call is real
 *   IOFAULT_KIND=enospc|eio|short
 *                      fail with ENOSPC or EIO, or (write/pwrite) write only
 *                      half of the bytes and return that count
 *   IOFAULT_COUNTS=FILE  at exit, append "pid class count" lines to FILE
 *   IOFAULT_LOG=FILE   append one line to FILE when the fault is injected
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

enum { C_WRITE, C_PWRITE, C_FSYNC, C_FDATASYNC, C_RENAME, C_OPEN, C_MKDIR, C_N };
static const char *const class_names[C_N] = {"write", "pwrite", "fsync", "fdatasync", "rename", "open", "mkdir"};

static atomic_long counts[C_N];
static int fault_class = -1;
static long fault_n;
static int fault_kind; /* 0 enospc, 1 eio, 2 short */
static atomic_int injected;

static void setup(void) __attribute__((constructor));
static void report(void) __attribute__((destructor));

static void setup(void)
{
	const char *op = getenv("IOFAULT_OP"), *n = getenv("IOFAULT_N"), *kind = getenv("IOFAULT_KIND");
	if (op == NULL || n == NULL)
		return;
	for (int i = 0; i < C_N; i++)
		if (strcmp(op, class_names[i]) == 0)
			fault_class = i;
	fault_n = atol(n);
	if (kind != NULL && strcmp(kind, "eio") == 0)
		fault_kind = 1;
	else if (kind != NULL && strcmp(kind, "short") == 0)
		fault_kind = 2;
}

typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
typedef int (*int_fd_fn)(int);
typedef int (*rename_fn)(const char *, const char *);
typedef int (*renameat_fn)(int, const char *, int, const char *);
typedef int (*open_fn)(const char *, int, ...);
typedef int (*openat_fn)(int, const char *, int, ...);
typedef int (*mkdir_fn)(const char *, mode_t);
typedef int (*mkdirat_fn)(int, const char *, mode_t);

/* dlsym's object pointer, as a function pointer (POSIX guarantees they convert) */
typedef void (*any_fn)(void);
static any_fn real(const char *name)
{
	void *p = dlsym(RTLD_NEXT, name);
	if (p == NULL)
		abort();
	any_fn f;
	memcpy(&f, &p, sizeof f);
	return f;
}

static void note(int cls, long n)
{
	const char *path = getenv("IOFAULT_LOG");
	if (path == NULL)
		return;
	static open_fn o;
	static write_fn w;
	if (o == NULL) {
		o = (open_fn)real("open");
		w = (write_fn)real("write");
	}
	char line[128];
	static const char *const kinds[] = {"ENOSPC", "EIO", "short write"};
	int len = snprintf(line, sizeof line, "pid %ld: %s on %s call #%ld\n", (long)getpid(), kinds[fault_kind],
			   class_names[cls], n);
	int fd = o(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd >= 0) {
		if (len > 0)
			(void)w(fd, line, (size_t)len);
		close(fd);
	}
}

/* Counts a call of class cls; 1 if this is the one to fault. */
static int hit(int cls)
{
	long n = atomic_fetch_add(&counts[cls], 1) + 1;
	if (cls != fault_class || n != fault_n)
		return 0;
	atomic_store(&injected, 1);
	note(cls, n);
	return 1;
}

static int fault_errno(void)
{
	return fault_kind == 1 ? EIO : ENOSPC;
}

static int is_file(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

ssize_t write(int fd, const void *p, size_t n)
{
	static write_fn f;
	if (f == NULL)
		f = (write_fn)real("write");
	if (is_file(fd) && hit(C_WRITE)) {
		if (fault_kind == 2 && n >= 2)
			return f(fd, p, n / 2);
		if (fault_kind != 2) {
			errno = fault_errno();
			return -1;
		}
	}
	return f(fd, p, n);
}

static ssize_t do_pwrite(const char *name, pwrite_fn *f, int fd, const void *p, size_t n, off_t off)
{
	if (*f == NULL)
		*f = (pwrite_fn)real(name);
	if (is_file(fd) && hit(C_PWRITE)) {
		if (fault_kind == 2 && n >= 2)
			return (*f)(fd, p, n / 2, off);
		if (fault_kind != 2) {
			errno = fault_errno();
			return -1;
		}
	}
	return (*f)(fd, p, n, off);
}

ssize_t pwrite(int fd, const void *p, size_t n, off_t off)
{
	static pwrite_fn f;
	return do_pwrite("pwrite", &f, fd, p, n, off);
}

ssize_t pwrite64(int fd, const void *p, size_t n, off_t off)
{
	static pwrite_fn f;
	return do_pwrite("pwrite64", &f, fd, p, n, off);
}

static int do_sync(const char *name, int_fd_fn *f, int cls, int fd)
{
	if (*f == NULL)
		*f = (int_fd_fn)real(name);
	if (hit(cls) && fault_kind != 2) {
		errno = fault_errno();
		return -1;
	}
	return (*f)(fd);
}

int fsync(int fd)
{
	static int_fd_fn f;
	return do_sync("fsync", &f, C_FSYNC, fd);
}

int fdatasync(int fd)
{
	static int_fd_fn f;
	return do_sync("fdatasync", &f, C_FDATASYNC, fd);
}

int rename(const char *a, const char *b)
{
	static rename_fn f;
	if (f == NULL)
		f = (rename_fn)real("rename");
	if (hit(C_RENAME) && fault_kind != 2) {
		errno = fault_errno();
		return -1;
	}
	return f(a, b);
}

int renameat(int da, const char *a, int db, const char *b)
{
	static renameat_fn f;
	if (f == NULL)
		f = (renameat_fn)real("renameat");
	if (hit(C_RENAME) && fault_kind != 2) {
		errno = fault_errno();
		return -1;
	}
	return f(da, a, db, b);
}

static mode_t mode_arg(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? (mode_t)va_arg(ap, int) : 0;
}

static int do_open(const char *name, open_fn *f, const char *path, int flags, mode_t mode)
{
	if (*f == NULL)
		*f = (open_fn)real(name);
	if (hit(C_OPEN) && fault_kind != 2) {
		errno = fault_errno();
		return -1;
	}
	return (*f)(path, flags, mode);
}

int open(const char *path, int flags, ...)
{
	static open_fn f;
	va_list ap;
	va_start(ap, flags);
	mode_t m = mode_arg(flags, ap);
	va_end(ap);
	return do_open("open", &f, path, flags, m);
}

int open64(const char *path, int flags, ...)
{
	static open_fn f;
	va_list ap;
	va_start(ap, flags);
	mode_t m = mode_arg(flags, ap);
	va_end(ap);
	return do_open("open64", &f, path, flags, m);
}

static int do_openat(const char *name, openat_fn *f, int dir, const char *path, int flags, mode_t mode)
{
	if (*f == NULL)
		*f = (openat_fn)real(name);
	if (hit(C_OPEN) && fault_kind != 2) {
		errno = fault_errno();
		return -1;
	}
	return (*f)(dir, path, flags, mode);
}

int openat(int dir, const char *path, int flags, ...)
{
	static openat_fn f;
	va_list ap;
	va_start(ap, flags);
	mode_t m = mode_arg(flags, ap);
	va_end(ap);
	return do_openat("openat", &f, dir, path, flags, m);
}

int openat64(int dir, const char *path, int flags, ...)
{
	static openat_fn f;
	va_list ap;
	va_start(ap, flags);
	mode_t m = mode_arg(flags, ap);
	va_end(ap);
	return do_openat("openat64", &f, dir, path, flags, m);
}

int mkdir(const char *path, mode_t mode)
{
	static mkdir_fn f;
	if (f == NULL)
		f = (mkdir_fn)real("mkdir");
	if (hit(C_MKDIR) && fault_kind != 2) {
		errno = fault_errno();
		return -1;
	}
	return f(path, mode);
}

int mkdirat(int dir, const char *path, mode_t mode)
{
	static mkdirat_fn f;
	if (f == NULL)
		f = (mkdirat_fn)real("mkdirat");
	if (hit(C_MKDIR) && fault_kind != 2) {
		errno = fault_errno();
		return -1;
	}
	return f(dir, path, mode);
}

static void report(void)
{
	const char *path = getenv("IOFAULT_COUNTS");
	if (path == NULL)
		return;
	FILE *f = fopen(path, "a");
	if (f == NULL)
		return;
	for (int i = 0; i < C_N; i++)
		fprintf(f, "%ld %s %ld\n", (long)getpid(), class_names[i], atomic_load(&counts[i]));
	fprintf(f, "%ld injected %d\n", (long)getpid(), atomic_load(&injected));
	fclose(f);
}
