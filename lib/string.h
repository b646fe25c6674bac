/* Memory and string helpers for freestanding code (lib/string.c). Host
 * tests get the same names from their libc. */
#ifndef EPTLAB_LIB_STRING_H
#define EPTLAB_LIB_STRING_H

#include "include/types.h"

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);

#endif
