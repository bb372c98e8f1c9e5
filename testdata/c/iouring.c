/* iouring: sets up an io_uring with raw syscalls (no liburing) and asks the
 * ring, not the socket syscall, for an AF_NETLINK and an AF_INET socket
 * (IORING_OP_SOCKET), printing "io_uring_setup: ok" or the error, then
 * "ring AF_X: ok" or the error for each. A seccomp filter sees
 * io_uring_setup and io_uring_enter, never the sockets. Exits 0 either
 * way. */
#include <errno.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static int ring_fd;
static unsigned *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
static struct io_uring_sqe *sqes;
static struct io_uring_cqe *cqes;

static int setup(void)
{
	struct io_uring_params p;
	memset(&p, 0, sizeof p);
	ring_fd = syscall(__NR_io_uring_setup, 4, &p);
	if (ring_fd < 0)
		return -1;
	size_t sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	size_t cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	char *sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring_fd, IORING_OFF_SQ_RING);
	char *cq = mmap(NULL, cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring_fd, IORING_OFF_CQ_RING);
	sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring_fd, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED)
		return -1;
	sq_tail = (unsigned *)(sq + p.sq_off.tail);
	sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
	sq_array = (unsigned *)(sq + p.sq_off.array);
	cq_head = (unsigned *)(cq + p.cq_off.head);
	cq_tail = (unsigned *)(cq + p.cq_off.tail);
	cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
	cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	return 0;
}

/* ring_socket returns the result of one IORING_OP_SOCKET: a descriptor or
 * -errno. */
static int ring_socket(int domain)
{
	unsigned tail = *sq_tail, i = tail & *sq_mask;
	struct io_uring_sqe *sqe = &sqes[i];
	memset(sqe, 0, sizeof *sqe);
	sqe->opcode = IORING_OP_SOCKET;
	sqe->fd = domain;
	sqe->off = SOCK_DGRAM;
	sq_array[i] = i;
	__atomic_store_n(sq_tail, tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, ring_fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		return -errno;
	unsigned head = *cq_head;
	if (head == __atomic_load_n(cq_tail, __ATOMIC_ACQUIRE))
		return -EAGAIN;
	int res = cqes[head & *cq_mask].res;
	__atomic_store_n(cq_head, head + 1, __ATOMIC_RELEASE);
	return res;
}

static void try(const char *name, int domain)
{
	int fd = ring_socket(domain);
	if (fd < 0) {
		printf("ring %s: %s\n", name, strerror(-fd));
		return;
	}
	printf("ring %s: ok\n", name);
	close(fd);
}

int main(void)
{
	if (setup() < 0) {
		printf("io_uring_setup: %s\n", strerror(errno));
		return 0;
	}
	printf("io_uring_setup: ok\n");
	try("AF_NETLINK", AF_NETLINK);
	try("AF_INET", AF_INET);
	return 0;
}
