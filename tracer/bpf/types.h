/* The few kernel types the tracer reads. CO-RE (preserve_access_index)
 * relocates every field against the running kernel's BTF, so only the
 * fields used need to be declared and their offsets here do not matter. */
#ifndef SECCOMPGEN_TYPES_H
#define SECCOMPGEN_TYPES_H

typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed int __s32;
typedef signed long long __s64;
typedef __u32 __wsum;
typedef __u16 __be16;
typedef __u32 __be32;
typedef int pid_t;
typedef _Bool bool;
typedef unsigned int dev_t;

enum bpf_map_type {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_RINGBUF = 27,
};

enum {
	BPF_ANY = 0,
	BPF_NOEXIST = 1,
	BPF_EXIST = 2,
};

typedef struct {
	int counter;
} atomic_t;

/* x86_64: the first syscall argument, as seccomp sees it. */
struct pt_regs {
	unsigned long di;
} __attribute__((preserve_access_index));

struct thread_info {
	unsigned int status;
} __attribute__((preserve_access_index));

struct signal_struct {
	atomic_t live;
} __attribute__((preserve_access_index));

struct super_block {
	dev_t s_dev;
} __attribute__((preserve_access_index));

struct inode {
	unsigned long i_ino;
	struct super_block *i_sb;
} __attribute__((preserve_access_index));

struct file {
	struct inode *f_inode;
} __attribute__((preserve_access_index));

struct linux_binprm {
	struct file *file;
	const char *filename;
} __attribute__((preserve_access_index));

struct seccomp {
	int mode;
} __attribute__((preserve_access_index));

/* The ids a process has in each pid namespace it is in, from the host's
 * (level 0) down to its own (level `level`). */
struct upid {
	int nr;
	void *ns;
};

struct pid {
	unsigned int level;
	struct upid numbers[];
} __attribute__((preserve_access_index));

struct bpf_pidns_info {
	__u32 pid;
	__u32 tgid;
};

struct task_struct {
	struct thread_info thread_info;
	struct seccomp seccomp;
	pid_t pid;
	pid_t tgid;
	struct pid *thread_pid;
	struct signal_struct *signal;
	char comm[16];
} __attribute__((preserve_access_index));

#endif
