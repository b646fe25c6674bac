/* Negative-errno convention: recoverable failures return -EXXX.
 * Values match Linux so host-side tests can mix them with libc. */
#ifndef EPTLAB_ERR_H
#define EPTLAB_ERR_H

#ifndef EPERM
#define EPERM    1
#define ENOENT   2
#define EIO      5
#define E2BIG    7
#define ENOEXEC  8
#define ENOMEM  12
#define EACCES  13
#define EFAULT  14
#define EBUSY   16
#define EEXIST  17
#define ENODEV  19
#define EINVAL  22
#define ENOSPC  28
#define ERANGE  34
#define ENOSYS  38
#define EOVERFLOW 75
#define EOPNOTSUPP 95
#endif

/* "EINVAL" for -EINVAL; "E?" for unknown codes. Defined in lib/errname.c. */
const char *err_name(int err);

#endif
