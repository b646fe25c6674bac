/* err_name: printable name of a negative errno, for diagnostics. */
#include "include/err.h"

const char *err_name(int err)
{
	switch (err < 0 ? -err : err) {
	case 0:          return "OK";
	case EPERM:      return "EPERM";
	case ENOENT:     return "ENOENT";
	case EIO:        return "EIO";
	case E2BIG:      return "E2BIG";
	case ENOEXEC:    return "ENOEXEC";
	case ENOMEM:     return "ENOMEM";
	case EACCES:     return "EACCES";
	case EFAULT:     return "EFAULT";
	case EBUSY:      return "EBUSY";
	case EEXIST:     return "EEXIST";
	case ENODEV:     return "ENODEV";
	case EINVAL:     return "EINVAL";
	case ENOSPC:     return "ENOSPC";
	case ERANGE:     return "ERANGE";
	case ENOSYS:     return "ENOSYS";
	case EOVERFLOW:  return "EOVERFLOW";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	default:         return "E?";
	}
}
