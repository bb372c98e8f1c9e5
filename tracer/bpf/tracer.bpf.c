//go:build ignore

/* seccompgen's tracer: counts every syscall of one process tree, per ABI and
 * number, in the kernel. Nothing is streamed per syscall, so nothing can be
 * lost under load; what can overflow is counted in `losses`. */

#include "types.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* The numbers the Go side shares are enums, not #defines: bpf2go -type
 * generates them into tracer_bpfel.go, and tracer's tests tie them to
 * package recording, so the two sides cannot drift apart. The unused
 * pointers below put each enum into BTF, where bpf2go finds it. */

/* x86_64, i386, x32: the order of recording.ABIs. */
enum abi { ABI_X86_64, ABI_I386, ABI_X32, NR_ABIS };
const enum abi *unused_abi __attribute__((unused));

/* Syscall numbers per ABI; x32's highest is 547, the others' < 500. */
enum limits { MAX_NR = 1024 };
const enum limits *unused_limits __attribute__((unused));

#define X32_SYSCALL_BIT 0x40000000
#define TS_COMPAT 0x0002 /* thread_info.status: this syscall came in through IA32 emulation */
#define NR_EXECVE_X86_64 59
#define SECCOMP_MODE_FILTER 2

/* Losses, indexes into the losses map. */
enum loss {
	LOSS_PROCS_FULL,
	LOSS_NR_RANGE,
	LOSS_EXEC_EVENTS,
	LOSS_ARGS_FULL,
	LOSS_LIBS_FULL,
	LOSS_LIB_EVENTS,
	NR_LOSSES
};
const enum loss *unused_loss __attribute__((unused));

/* A tracked process is PENDING from its fork by seccompgen until it execs
 * the workload, then ACTIVE. While pending only that execve counts: what
 * seccompgen's own code does in the child before it is not the workload's.
 * With filtered_only, an ACTIVE process that execs under a seccomp filter
 * becomes DONE: it counts nothing more, and its children are not tracked. */
enum state { STATE_PENDING = 1, STATE_ACTIVE, STATE_DONE };
const enum state *unused_state __attribute__((unused));

/* Set at load (Config.FilteredOnly) to measure what a container runtime
 * does between installing the seccomp filter and exec'ing the container's
 * process: count only syscalls of threads that already run under a filter,
 * and only until their process's next exec (that execve included). A
 * constant, so the verifier drops the check when it is off. */
volatile const __u32 filtered_only = 0;

/* Set at load (Config.Args): also record the arguments of the syscalls
 * of recording.PinnedArgs. A constant, so with it off the verifier drops
 * the branch. */
volatile const __u32 record_args = 0;

/* Argument pinning. MAX_PIN_SLOTS bounds the (ABI, syscall, argument)
 * triples recorded; ARG_VALUES_MAX the distinct values kept of each: a
 * value beyond it is counted in its argsets entry (dropped), and
 * userspace leaves that argument free. A seccomp rule per value
 * costs filter instructions, and an ioctl request set of a terminal
 * program is a few dozen, so 64. PINS_PER_SYSCALL: arguments of one
 * syscall (socket's domain and type). */
enum argpin { MAX_PIN_SLOTS = 64, ARG_VALUES_MAX = 64, PINS_PER_SYSCALL = 2 };
const enum argpin *unused_argpin __attribute__((unused));

/* One pinned argument: key is abi * MAX_NR + nr, as in stats. Slots of
 * one syscall are adjacent. */
struct pinslot {
	__u32 key;
	__u32 idx;  /* 0..5 */
	__u64 mask; /* 0: the whole value */
};

/* Set at load from recording.PinnedArgs (tracer.pinTables): pin_first
 * is 1 + the first slot of (abi, nr), 0 for a syscall nothing pins; the
 * hot path pays one load of it per syscall, only pinned ones more. */
volatile const __u8 pin_first[NR_ABIS * MAX_NR] = {};
volatile const struct pinslot pins[MAX_PIN_SLOTS] = {};

/* Per slot: distinct values inserted into argvals, and calls whose value
 * was not recorded because ARG_VALUES_MAX were already. */
struct argset {
	__u64 distinct;
	__u64 dropped;
};

struct argkey {
	__u32 nr;
	__u16 idx;
	__u16 abi;
	__u64 value;
};

struct proc {
	__u32 state;
	/* execs still to pass before the workload's own (a launcher that
	 * re-executes seccompgen to set the child up). */
	__u32 skip_execs;
	/* The process's id in seccompgen's pid namespace: the one seccompgen
	 * can signal (the key is the host's). */
	__u32 nspid;
};

struct stat {
	__u64 count;
	__u64 first_ns;
	__u32 first_pid;
	char first_comm[16];
};

#define NR_MMAP_X86_64 9	/* x32's too, under X32_SYSCALL_BIT */
#define NR_MMAP2_I386 192
#define PROT_EXEC 0x4
#define MAP_ANONYMOUS 0x20

/* A file as the kernel has it: its path is rebuilt from the dentry and
 * mount chain (what d_path does; tp_btf programs cannot call bpf_d_path),
 * relative to the process's root, so it names the file in the process's
 * mount namespace and chroot. */
#define PATH_BUF 4096	/* a power of two: offsets are masked with it */
#define NAME_BUF 256	/* NAME_MAX + 1 */
#define MAX_COMPONENTS 64
enum event_flag {
	PATH_TRUNCATED = 1,	/* deeper or longer than the buffer: the names near the root are missing */
	PATH_DETACHED = 2,	/* not under the process's root: from its mount tree's root */
	EXEC_INTERPRETED = 4,	/* exec: name is a script; the file is its interpreter */
};
const enum event_flag *unused_event_flag __attribute__((unused));

/* EVENT_ADMIT: the kernel admitted a running process (attach.go reads its
 * executable and libraries from /proc/PID). */
enum event_kind { EVENT_EXEC = 1, EVENT_LIB = 2, EVENT_ADMIT = 3 };
const enum event_kind *unused_event_kind __attribute__((unused));

/* Ring buffer record: an exec, or a file first mapped executable. */
struct file_event {
	__u32 kind;	/* EVENT_* */
	__u32 pid;	/* the process, in seccompgen's pid namespace (procs.nspid) */
	__u64 ino;
	__u32 dev;
	__u32 flags;	/* PATH_*, EXEC_* */
	__u32 path_len;	/* bytes of path used */
	__s32 fd;	/* lib: the descriptor mapped; exec: -1 */
	char name[256];	/* exec: the name execve was given */
	/* The path's names, leaf first, each NUL-terminated. */
	char path[PATH_BUF + NAME_BUF];
};

/* Emitted into BTF so bpf2go generates the Go type of ring buffer records. */
const struct file_event *unused_file_event __attribute__((unused));

struct file_id {
	__u64 ino;
	__u32 dev;
	__u32 pad;
};

/* Sized by the loader (Config.MaxProcs). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32768);
	__type(key, __u32); /* tgid */
	__type(value, struct proc);
} procs SEC(".maps");

/* seccompgen's pid namespace (dev and inode of /proc/self/ns/pid), set at
 * load. seccompgen knows its thread and children by their ids in it, which
 * inside a container or `unshare -p` are not the host's the kernel uses. */
volatile const __u64 pidns_dev = 0;
volatile const __u64 pidns_ino = 0;

/* The level of that namespace (0: the host's), learnt at the armed fork:
 * every process of the tree has an id at that level. */
__u32 pidns_level = 0;

/* The id pid has at pid namespace level `level`. */
static __always_inline __u32 pid_nr_at(struct pid *pid, __u32 level)
{
	struct upid up = {};
	bpf_probe_read_kernel(&up, sizeof(up),
			      (void *)pid + bpf_core_field_offset(struct pid, numbers) +
				      (__u64)level * bpf_core_type_size(struct upid));
	return up.nr;
}

/* A thread about to fork the workload. Every process it forks while armed
 * is tracked (PENDING): the Go runtime may fork a probe child first (its
 * CLONE_PIDFD check), so the arm cannot be one-shot. last_child lets the
 * loader check that the workload was among them. */
struct spawn {
	__u32 skip_execs; /* for the children */
	__u32 last_child; /* its id in seccompgen's pid namespace */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32); /* tid in seccompgen's pid namespace */
	__type(value, struct spawn);
} spawners SEC(".maps");

/* Per-CPU, so the hot path has no atomics and no shared cache lines. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NR_ABIS * MAX_NR);
	__type(key, __u32);
	__type(value, struct stat);
} stats SEC(".maps");

/* One bit per tgid, set while procs holds the tgid as ACTIVE: the hot path
 * tests it with an inlined array access instead of hashing into procs for
 * every syscall on the host. 2^22 bits cover PID_MAX_LIMIT on 64-bit. Bits
 * change with an atomic add (any kernel, no -mcpu=v3): each transition adds
 * or subtracts a bit known to be clear or set, so nothing carries. */
#define ACTIVE_WORDS ((1 << 22) / 64)

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ACTIVE_WORDS);
	__type(key, __u32);
	__type(value, __u64);
} active SEC(".maps");

static __always_inline void set_active(__u32 tgid, int on)
{
	__u32 w = tgid / 64;
	__u64 *word = bpf_map_lookup_elem(&active, &w);
	if (!word)
		return;
	__u64 bit = 1ULL << (tgid % 64);
	__sync_fetch_and_add(word, on ? bit : -bit);
}

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NR_LOSSES);
	__type(key, __u32);
	__type(value, __u64);
} losses SEC(".maps");

/* Distinct (ABI, syscall, argument, value) seen with record_args, and
 * how often. Sized MAX_PIN_SLOTS * ARG_VALUES_MAX, so it fills only if
 * argsets' bound failed; that is counted in losses (LOSS_ARGS_FULL), and
 * userspace then pins nothing. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_PIN_SLOTS * ARG_VALUES_MAX);
	__type(key, struct argkey);
	__type(value, __u64);
} argvals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_PIN_SLOTS);
	__type(key, __u32);
	__type(value, struct argset);
} argsets SEC(".maps");

/* Files already reported mapped executable: each is reported once. A
 * full map is counted in losses (LOSS_LIBS_FULL). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct file_id);
	__type(value, __u8);
} libs_seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1024 * 1024);
} execs SEC(".maps");

static __always_inline void lose(__u32 what)
{
	__u64 *n = bpf_map_lookup_elem(&losses, &what);
	if (n)
		(*n)++;
}

/* count_arg counts value for pin slot, inserting it when new unless the
 * slot has ARG_VALUES_MAX values already. Two CPUs inserting at once
 * may pass the bound by one each: harmless, every value is still kept. */
static __always_inline void count_arg(__u32 slot, __u32 abi, __u32 nr, __u32 idx, __u64 value)
{
	struct argkey k = { .nr = nr, .idx = idx, .abi = abi, .value = value };
	__u64 one = 1;
	__u64 *n = bpf_map_lookup_elem(&argvals, &k);
	if (n) {
		__sync_fetch_and_add(n, 1);
		return;
	}
	struct argset *set = bpf_map_lookup_elem(&argsets, &slot);
	if (!set)
		return;
	if (set->distinct >= ARG_VALUES_MAX) {
		__sync_fetch_and_add(&set->dropped, 1);
		return;
	}
	if (!bpf_map_update_elem(&argvals, &k, &one, BPF_NOEXIST)) {
		__sync_fetch_and_add(&set->distinct, 1);
		return;
	}
	/* Another CPU may have inserted the key meanwhile; else the map is full. */
	n = bpf_map_lookup_elem(&argvals, &k);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		lose(LOSS_ARGS_FULL);
}

/* arg_reg is argument idx as seccomp sees it: x86_64's registers, or
 * IA32 emulation's, whose arguments are 32 bits. */
static __always_inline __u64 arg_reg(struct pt_regs *regs, __u32 abi, __u32 idx)
{
	if (abi == ABI_I386) {
		switch (idx) {
		case 0: return (__u32)regs->bx;
		case 1: return (__u32)regs->cx;
		case 2: return (__u32)regs->dx;
		case 3: return (__u32)regs->si;
		case 4: return (__u32)regs->di;
		default: return (__u32)regs->bp;
		}
	}
	switch (idx) {
	case 0: return regs->di;
	case 1: return regs->si;
	case 2: return regs->dx;
	case 3: return regs->r10;
	case 4: return regs->r8;
	default: return regs->r9;
	}
}

/* record_pinned counts the pinned arguments of syscall key (abi * MAX_NR
 * + nr), if it has any. */
static __always_inline void record_pinned(struct pt_regs *regs, __u32 abi, __u32 nr, __u32 key)
{
	if (key >= NR_ABIS * MAX_NR)
		return;
	__u32 first = pin_first[key];
	if (!first)
		return;
	for (__u32 j = 0; j < PINS_PER_SYSCALL; j++) {
		__u32 slot = first - 1 + j;
		if (slot >= MAX_PIN_SLOTS || pins[slot].key != key)
			break;
		__u64 v = arg_reg(regs, abi, pins[slot].idx);
		__u64 mask = pins[slot].mask;
		if (mask)
			v &= mask;
		count_arg(slot, abi, nr, pins[slot].idx, v);
	}
}

/* fill_path writes file's path, relative to task's root, into e: a
 * bounded walk up the dentries to each mount's root, then across to the
 * mount point in the parent mount, as the kernel's prepend_path does. The
 * offset is masked on every step, so the verifier's states at the loop
 * head stay equal and it prunes them. */
static __always_inline void fill_path(struct task_struct *task, struct file *file, struct file_event *e)
{
	struct dentry *dentry = BPF_CORE_READ(file, f_path.dentry);
	struct vfsmount *vfsmnt = BPF_CORE_READ(file, f_path.mnt);
	struct dentry *root = BPF_CORE_READ(task, fs, root.dentry);
	struct vfsmount *rootmnt = BPF_CORE_READ(task, fs, root.mnt);
	__u64 mnt_off = bpf_core_field_offset(struct mount, mnt);
	__u32 off = 0;
	int i;

	e->flags |= PATH_TRUNCATED; /* unless the walk ends at a root */
	for (i = 0; i < MAX_COMPONENTS; i++) {
		if (dentry == root && vfsmnt == rootmnt) {
			e->flags &= ~PATH_TRUNCATED;
			break;
		}
		struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
		if (dentry == BPF_CORE_READ(vfsmnt, mnt_root) || dentry == parent) {
			struct mount *m = (void *)vfsmnt - mnt_off;
			struct mount *mp = BPF_CORE_READ(m, mnt_parent);
			if (mp == m || !mp) {
				e->flags = (e->flags & ~PATH_TRUNCATED) | PATH_DETACHED;
				break;
			}
			dentry = BPF_CORE_READ(m, mnt_mountpoint);
			vfsmnt = (void *)mp + mnt_off;
			continue;
		}
		if (off > PATH_BUF - NAME_BUF)
			break;
		const unsigned char *name = BPF_CORE_READ(dentry, d_name.name);
		long n = bpf_probe_read_kernel_str(&e->path[off & (PATH_BUF - 1)], NAME_BUF, name);
		if (n <= 0)
			break;
		off = (off + (__u32)n) & (2 * PATH_BUF - 1);
		dentry = parent;
	}
	e->path_len = off < sizeof(e->path) ? off : 0;
}

/* mapped reports file, mapped executable by task, once per recording. */
static __always_inline void mapped(struct task_struct *task, __u32 tgid, __s32 fd)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt || (__u32)fd >= BPF_CORE_READ(fdt, max_fds))
		return;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *file = 0;
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file)
		return;
	struct file_id id = {
		.ino = BPF_CORE_READ(file, f_inode, i_ino),
		.dev = BPF_CORE_READ(file, f_inode, i_sb, s_dev),
	};
	if (bpf_map_lookup_elem(&libs_seen, &id))
		return;
	__u8 one = 1;
	long err = bpf_map_update_elem(&libs_seen, &id, &one, BPF_NOEXIST);
	if (err == -17 /* EEXIST: another CPU was first */)
		return;
	if (err) {
		lose(LOSS_LIBS_FULL);
		return;
	}
	struct file_event *e = bpf_ringbuf_reserve(&execs, sizeof(*e), 0);
	if (!e) {
		/* Forget it, so that a later mapping reports it after all. */
		bpf_map_delete_elem(&libs_seen, &id);
		lose(LOSS_LIB_EVENTS);
		return;
	}
	e->kind = EVENT_LIB;
	/* Userspace opens /proc/PID/...: the pid in seccompgen's namespace. */
	struct proc *p = bpf_map_lookup_elem(&procs, &tgid);
	e->pid = p && p->nspid ? p->nspid : tgid;
	e->ino = id.ino;
	e->dev = id.dev;
	e->flags = 0;
	e->fd = fd;
	e->name[0] = 0;
	fill_path(task, file, e);
	bpf_ringbuf_submit(e, 0);
}

/* ---- Attach: admitting processes seccompgen did not start ----
 * record --pid and --cgroup join processes that already run. Userspace
 * admits them through attach_proc (a syscall program, so the active bit
 * changes with the same atomic add as everywhere else); with --cgroup the
 * kernel admits every process that enters the subtree (cgroup_attach_task)
 * or is born in it without a tracked parent (clone3's CLONE_INTO_CGROUP).
 * None of it is on the sys_enter path: a process outside costs what it
 * did before, the active-bit test. */

/* record --cgroup: the id (the inode) of the cgroup v2 directory whose
 * subtree is recorded, set at load; 0 when off, so the verifier drops
 * every check below. */
volatile const __u64 cgroup_id = 0;

struct kernfs_node {
	__u64 id;
} __attribute__((preserve_access_index));

struct cgroup {
	int level;
	struct kernfs_node *kn;
	struct cgroup *ancestors[]; /* ancestors[i]: the ancestor at level i, itself included */
} __attribute__((preserve_access_index));

struct css_set {
	struct cgroup *dfl_cgrp; /* the task's cgroup in the v2 hierarchy */
} __attribute__((preserve_access_index));

/* task_struct's cgroups, in a flavour of its own (CO-RE ignores the
 * ___ suffix) so the shared declaration in types.h stays as it is. */
struct task_struct___attach {
	struct css_set *cgroups;
} __attribute__((preserve_access_index));

/* Deeper than any real hierarchy (systemd's are under 10 levels). */
#define MAX_CGROUP_LEVEL 32

/* in_cgroup reports whether task's cgroup v2 is cgroup_id or below it. */
static __always_inline int in_cgroup(struct task_struct *task)
{
	struct cgroup *cg = BPF_CORE_READ((struct task_struct___attach *)task, cgroups, dfl_cgrp);
	if (!cg)
		return 0;
	int level = BPF_CORE_READ(cg, level);
	__u64 anc = bpf_core_field_offset(struct cgroup, ancestors);
	for (int i = 0; i < MAX_CGROUP_LEVEL; i++) {
		if (i > level)
			break;
		struct cgroup *a = 0;
		bpf_probe_read_kernel(&a, sizeof(a), (void *)cg + anc + (__u64)i * sizeof(a));
		if (a && BPF_CORE_READ(a, kn, id) == cgroup_id)
			return 1;
	}
	return 0;
}

enum admit_result { ADMITTED, ADMIT_TRACKED, ADMIT_FULL, ADMIT_REMOVED, ADMIT_ABSENT };
const enum admit_result *unused_admit_result __attribute__((unused));

/* admit starts tracking tgid unless it is tracked already. */
static __always_inline __u32 admit(__u32 tgid, __u32 state, __u32 nspid)
{
	struct proc np = { .state = state, .nspid = nspid };
	long err = bpf_map_update_elem(&procs, &tgid, &np, BPF_NOEXIST);
	if (err == -17 /* EEXIST */)
		return ADMIT_TRACKED;
	if (err) {
		lose(LOSS_PROCS_FULL);
		return ADMIT_FULL;
	}
	if (state == STATE_ACTIVE)
		set_active(tgid, 1);
	return ADMITTED;
}

/* admitted tells userspace that the kernel admitted a running process,
 * whose exec and mappings the tracer did not see. */
static __always_inline void admitted(__u32 tgid)
{
	struct file_event *e = bpf_ringbuf_reserve(&execs, sizeof(*e), 0);
	if (!e) {
		lose(LOSS_EXEC_EVENTS);
		return;
	}
	e->kind = EVENT_ADMIT;
	e->pid = tgid;
	e->ino = 0;
	e->dev = 0;
	e->flags = 0;
	e->path_len = 0;
	e->fd = -1;
	e->name[0] = 0;
	bpf_ringbuf_submit(e, 0);
}

/* forget stops tracking tgid. */
static __always_inline __u32 forget(__u32 tgid)
{
	struct proc *p = bpf_map_lookup_elem(&procs, &tgid);
	if (!p)
		return ADMIT_ABSENT;
	int was_active = p->state == STATE_ACTIVE;
	if (bpf_map_delete_elem(&procs, &tgid))
		return ADMIT_ABSENT; /* another CPU was first (the exit) */
	if (was_active)
		set_active(tgid, 0);
	return ADMIT_REMOVED;
}

enum attach_op { ATTACH_ADMIT, ATTACH_FORGET };
const enum attach_op *unused_attach_op __attribute__((unused));

/* What userspace asks of attach_proc (BPF_PROG_RUN's context). */
struct attach_req {
	__u32 op;	/* ATTACH_* */
	__u32 tgid;	/* the host's id (seccompgen runs in the host's pid namespace) */
	__u32 state;	/* STATE_ACTIVE, or STATE_PENDING until the next exec */
};
const struct attach_req *unused_attach_req __attribute__((unused));

SEC("syscall")
int attach_proc(struct attach_req *req)
{
	if (req->op == ATTACH_FORGET)
		return forget(req->tgid);
	if (req->state != STATE_ACTIVE && req->state != STATE_PENDING)
		return ADMIT_FULL;
	return admit(req->tgid, req->state, req->tgid);
}

/* A process moved into the subtree is admitted; one moved out of it is
 * forgotten. The tracepoint fires after the move, with the group leader
 * when the whole process moved. */
SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(cgroup_attach_task, struct cgroup *dst, const char *path, struct task_struct *task, bool threadgroup)
{
	if (!cgroup_id)
		return 0;
	__u32 tgid = task->tgid;
	if (in_cgroup(task)) {
		if (admit(tgid, STATE_ACTIVE, tgid) == ADMITTED)
			admitted(tgid);
	}
	else if (threadgroup || (__u32)task->pid == tgid)
		forget(tgid);
	return 0;
}

/* attach_fork decides, with --cgroup, about a new process: one whose
 * parent is not tracked is admitted when born in the subtree; one whose
 * parent is tracked, only if it is in the subtree (clone3 can put it
 * elsewhere). It returns 1 when the caller has nothing more to do. */
static __always_inline int attach_fork(struct proc *pp, struct task_struct *child)
{
	if (!cgroup_id)
		return 0;
	if (!in_cgroup(child))
		return 1;
	if (pp)
		return 0;
	if (admit(child->tgid, STATE_ACTIVE, child->tgid) == ADMITTED)
		admitted(child->tgid);
	return 1;
}
/* ---- end of attach ---- */

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	/* One helper call for everything the hot path needs of the task. */
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 tgid = task->tgid;
	__u32 w = tgid / 64;
	__u64 *word = bpf_map_lookup_elem(&active, &w);
	if (!word)
		return 0;
	if (!(*word & (1ULL << (tgid % 64)))) {
		/* Not active: only a pending process's execve of the workload counts. */
		if (id != NR_EXECVE_X86_64)
			return 0;
		struct proc *p = bpf_map_lookup_elem(&procs, &tgid);
		if (!p || p->state != STATE_PENDING || p->skip_execs)
			return 0;
	}
	if (filtered_only && task->seccomp.mode != SECCOMP_MODE_FILTER)
		return 0;
	__u32 abi = ABI_X86_64;
	__u64 nr = id;
	if (task->thread_info.status & TS_COMPAT) {
		abi = ABI_I386;
	} else if (nr & X32_SYSCALL_BIT) {
		abi = ABI_X32;
		nr &= ~(__u64)X32_SYSCALL_BIT;
	}
	if (nr >= MAX_NR) {
		lose(LOSS_NR_RANGE);
		return 0;
	}
	__u32 key = abi * MAX_NR + (__u32)nr;
	struct stat *s = bpf_map_lookup_elem(&stats, &key);
	if (!s)
		return 0;
	if (s->count == 0) {
		s->first_ns = bpf_ktime_get_ns();
		s->first_pid = tgid;
		bpf_get_current_comm(s->first_comm, sizeof(s->first_comm));
	}
	s->count++;
	if (record_args)
		record_pinned(regs, abi, (__u32)nr, key);
	/* A file mapped executable: a library (ld.so's or dlopen's). glibc
	 * maps the text segment with its own mmap(PROT_READ|PROT_EXEC, fd). */
	if (nr == NR_MMAP_X86_64 && abi != ABI_I386) {
		if ((regs->dx & PROT_EXEC) && !(regs->r10 & MAP_ANONYMOUS) && (__s32)regs->r8 >= 0)
			mapped(task, tgid, (__s32)regs->r8);
	} else if (nr == NR_MMAP2_I386 && abi == ABI_I386) {
		if ((regs->dx & PROT_EXEC) && !(regs->si & MAP_ANONYMOUS) && (__s32)regs->di >= 0)
			mapped(task, tgid, (__s32)regs->di);
	}
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(sched_process_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ctgid = child->tgid;
	if ((__u32)child->pid != ctgid)
		return 0; /* a new thread: its process is tracked or not already */

	struct proc np = {};
	__u32 ptgid = parent->tgid;
	struct proc *pp = bpf_map_lookup_elem(&procs, &ptgid);
	if (attach_fork(pp, child))
		return 0;
	if (pp) {
		if (pp->state != STATE_ACTIVE)
			return 0;
		np.state = STATE_ACTIVE;
		np.nspid = pid_nr_at(BPF_CORE_READ(child, thread_pid), pidns_level);
	} else {
		/* The fork runs in the parent's context: ask for its thread id
		 * in seccompgen's namespace (an error: it is not in that one, so
		 * not the armed thread). */
		struct bpf_pidns_info ns = {};
		if (bpf_get_ns_current_pid_tgid(pidns_dev, pidns_ino, &ns, sizeof(ns)))
			return 0;
		__u32 ptid = ns.pid;
		struct spawn *sp = bpf_map_lookup_elem(&spawners, &ptid);
		if (!sp)
			return 0;
		pidns_level = BPF_CORE_READ(parent, thread_pid, level);
		np.state = STATE_PENDING;
		np.skip_execs = sp->skip_execs;
		np.nspid = pid_nr_at(BPF_CORE_READ(child, thread_pid), pidns_level);
		sp->last_child = np.nspid;
	}
	/* Keep the bit equal to "procs holds ctgid as ACTIVE", even over a
	 * stale entry (a failed update leaves the old one). */
	struct proc *old = bpf_map_lookup_elem(&procs, &ctgid);
	int was_active = old && old->state == STATE_ACTIVE;
	if (bpf_map_update_elem(&procs, &ctgid, &np, BPF_ANY)) {
		lose(LOSS_PROCS_FULL);
		return 0;
	}
	if (was_active != (np.state == STATE_ACTIVE))
		set_active(ctgid, !was_active);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_process_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = task->tgid;
	struct proc *p = bpf_map_lookup_elem(&procs, &tgid);
	if (!p)
		return 0;
	if (p->state == STATE_PENDING) {
		if (p->skip_execs) {
			p->skip_execs--;
			return 0;
		}
		p->state = STATE_ACTIVE;
		set_active(tgid, 1);
	} else if (filtered_only && task->seccomp.mode == SECCOMP_MODE_FILTER &&
		   p->state == STATE_ACTIVE) {
		p->state = STATE_DONE;
		set_active(tgid, 0);
	}
	struct file_event *e = bpf_ringbuf_reserve(&execs, sizeof(*e), 0);
	if (!e) {
		lose(LOSS_EXEC_EVENTS);
		return 0;
	}
	/* bprm->file is what the kernel mapped: for a script (or a
	 * binfmt_misc program) its interpreter, and then bprm->interp no
	 * longer points at bprm->filename. */
	struct file *file = BPF_CORE_READ(bprm, file);
	const char *filename = BPF_CORE_READ(bprm, filename);
	e->kind = EVENT_EXEC;
	e->pid = p->nspid ? p->nspid : tgid; /* userspace opens /proc/PID/... */
	e->ino = BPF_CORE_READ(file, f_inode, i_ino);
	e->dev = BPF_CORE_READ(file, f_inode, i_sb, s_dev);
	e->flags = BPF_CORE_READ(bprm, interp) != filename ? EXEC_INTERPRETED : 0;
	e->fd = -1;
	bpf_probe_read_kernel_str(e->name, sizeof(e->name), filename);
	fill_path(task, file, e);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_process_exit, struct task_struct *task)
{
	__u32 tgid = task->tgid;
	struct proc *p = bpf_map_lookup_elem(&procs, &tgid);
	if (!p)
		return 0;
	/* Exit runs per thread; the process is gone with its last one. */
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	if (p->state == STATE_ACTIVE)
		set_active(tgid, 0);
	bpf_map_delete_elem(&procs, &tgid);
	return 0;
}

/* ---- Refusals: what an enforcing filter refused (run --profile). ----
 *
 * The kernel runs seccomp before sys_enter, so a syscall the filter
 * refuses (SCMP_ACT_ERRNO) never reaches it; sys_exit still fires for it,
 * with the original number and the errno as return value. A sys_exit on a
 * thread of the tree with no sys_enter before it is therefore a refusal.
 * Each thread keeps one flag in task storage, set by refusals_enter and
 * cleared by refusals_exit; these two replace sys_enter (the fork, exec
 * and exit programs still keep the tree and the active bits).
 *
 * The flag stays set for a syscall that never returns (exit, exit_group:
 * the storage goes with the task). Every other syscall returns, and a
 * restarted one (-ERESTART*) returns before it enters again, as does
 * rt_sigreturn (whose sys_exit carries nr -1: the flag, not the number,
 * says it entered). Two sys_exits have no sys_enter of their own and are
 * not refusals: a new task's return from fork/clone (its storage is new,
 * the return value 0), and the execve that made a PENDING process ACTIVE
 * (it entered before the process was active; it returns 0). A refused
 * clone or execve returns -errno. SCMP_ACT_TRAP and SCMP_ACT_KILL* reach
 * sys_exit too (6.18): seccomp rolls the registers back, so the return
 * value is the syscall's own number, and sends SIGSYS. */

/* Indexes into refusal_losses. */
enum refusal_loss {
	REFUSAL_NO_STORAGE,	/* sys_enter could not set the flag: its sys_exit looks refused */
	REFUSAL_NR_RANGE,	/* a refused number beyond MAX_NR */
	NR_REFUSAL_LOSSES
};
const enum refusal_loss *unused_refusal_loss __attribute__((unused));

struct refusal {
	__u64 count;
	__u64 first_ns;
	__u32 first_pid;
	__s32 first_ret;	/* -errno, as the caller got it */
	char first_comm[16];
};

#define BPF_MAP_TYPE_TASK_STORAGE 29
#define BPF_F_NO_PREALLOC 1
#define BPF_LOCAL_STORAGE_GET_F_CREATE 1

/* The sys_exit tracepoint has no number argument: it is orig_ax. */
struct pt_regs___refusals {
	unsigned long orig_ax;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u32); /* 1 between sys_enter and sys_exit */
} in_syscall SEC(".maps");

/* Per-CPU, as stats: the refused calls per (ABI, number). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NR_ABIS * MAX_NR);
	__type(key, __u32);
	__type(value, struct refusal);
} refusals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NR_REFUSAL_LOSSES);
	__type(key, __u32);
	__type(value, __u64);
} refusal_losses SEC(".maps");

static __always_inline void refusal_lose(__u32 what)
{
	__u64 *n = bpf_map_lookup_elem(&refusal_losses, &what);
	if (n)
		(*n)++;
}

/* tgid_active is the hot path's test: is tgid's bit in `active` set? */
static __always_inline int tgid_active(__u32 tgid)
{
	__u32 w = tgid / 64;
	__u64 *word = bpf_map_lookup_elem(&active, &w);
	return word && (*word & (1ULL << (tgid % 64)));
}

/* starts_task: nr in abi makes a task or an exec (fork, vfork, clone,
 * clone3, execve, execveat), whose return of 0 can come without a
 * sys_enter on that task. */
static __always_inline int starts_task(__u32 abi, __u64 nr)
{
	switch (abi) {
	case ABI_I386:
		return nr == 2 || nr == 11 || nr == 120 || nr == 190 || nr == 358 || nr == 435;
	case ABI_X32:
		return nr == 56 || nr == 57 || nr == 58 || nr == 435 || nr == 520 || nr == 545;
	}
	return nr == 56 || nr == 57 || nr == 58 || nr == 59 || nr == 322 || nr == 435;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(refusals_enter, struct pt_regs *regs, long id)
{
	struct task_struct *task = bpf_get_current_task_btf();
	if (!tgid_active(task->tgid))
		return 0;
	__u32 *in = bpf_task_storage_get(&in_syscall, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (in)
		*in = 1;
	else
		refusal_lose(REFUSAL_NO_STORAGE);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(refusals_exit, struct pt_regs *regs, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 tgid = task->tgid;
	if (!tgid_active(tgid))
		return 0;
	/* No storage: this task has not entered a syscall since it was
	 * made (or the process became active). */
	__u32 *in = bpf_task_storage_get(&in_syscall, task, 0, 0);
	if (in && *in) {
		*in = 0;
		return 0;
	}
	__u32 abi = ABI_X86_64;
	__u64 nr = BPF_CORE_READ((struct pt_regs___refusals *)regs, orig_ax);
	if (task->thread_info.status & TS_COMPAT) {
		abi = ABI_I386;
	} else if (nr & X32_SYSCALL_BIT) {
		abi = ABI_X32;
		nr &= ~(__u64)X32_SYSCALL_BIT;
	}
	if (ret == 0 && starts_task(abi, nr))
		return 0;
	if (nr >= MAX_NR) {
		refusal_lose(REFUSAL_NR_RANGE);
		return 0;
	}
	__u32 key = abi * MAX_NR + (__u32)nr;
	struct refusal *r = bpf_map_lookup_elem(&refusals, &key);
	if (!r)
		return 0;
	if (r->count == 0) {
		/* The pid seccompgen prints: its namespace's. */
		struct proc *p = bpf_map_lookup_elem(&procs, &tgid);
		r->first_ns = bpf_ktime_get_ns();
		r->first_pid = p && p->nspid ? p->nspid : tgid;
		r->first_ret = (__s32)ret;
		bpf_get_current_comm(r->first_comm, sizeof(r->first_comm));
	}
	r->count++;
	return 0;
}
