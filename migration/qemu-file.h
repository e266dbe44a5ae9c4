/*
 * QEMUFile: a buffered, big-endian byte stream over a QIOChannel.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A QEMUFile is either an output or an input stream; it never owns the
 * direction of the channel it does not use, so a return path is simply a
 * second QEMUFile of the other direction on the same channel.
 *
 * Errors are sticky: the first error (channel failure, end of stream) is
 * kept and every later put/get becomes a no-op (gets return zeros).  The
 * caller checks qemu_file_get_error() at points where it matters, which
 * keeps the per-field code short, exactly like the wire format it writes.
 *
 * Output buffering: small values are copied into a 32 KiB buffer;
 * qemu_put_buffer_nocopy() adds an iovec that points at the caller's
 * memory (guest RAM) instead of copying it.  That memory must stay mapped
 * until the next qemu_fflush() returned; it is flushed automatically when
 * the buffer or the iovec array fills up.
 *
 * Threads: a QEMUFile is used by one thread at a time.
 */
#ifndef MIGRATION_QEMU_FILE_H
#define MIGRATION_QEMU_FILE_H

#include <glib.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/channel.h"

#define QEMU_FILE_BUF_SIZE 32768
#define QEMU_FILE_MAX_IOV 256

/* Error text of a stream that ended before the data the reader needed. */
#define QEMU_FILE_EOF_MSG "Unexpected end of migration stream"

typedef struct QEMUFile QEMUFile;

/* Both take a reference on @ioc, released by qemu_file_free(). */
QEMUFile *qemu_file_new_output(QIOChannel *ioc);
QEMUFile *qemu_file_new_input(QIOChannel *ioc);
/* Does not flush and does not close the channel; accepts NULL. */
void qemu_file_free(QEMUFile *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QEMUFile, qemu_file_free)

QIOChannel *qemu_file_get_channel(QEMUFile *f);

/**
 * qemu_file_set_counters:
 * @a, @b: atomic counters (either may be NULL) to which every byte
 *     written to or read from the channel is added as it moves
 *     (used for MigrationCounters.transferred).
 */
void qemu_file_set_counters(QEMUFile *f, _Atomic uint64_t *a,
                            _Atomic uint64_t *b);

/* Bytes moved through the channel plus (output) bytes still buffered. */
uint64_t qemu_file_transferred(QEMUFile *f);

/* Returns 0, or -1 with a copy of the sticky error in @errp. */
int qemu_file_get_error(QEMUFile *f, GError **errp);
bool qemu_file_has_error(QEMUFile *f);
/* True when the sticky error is the end-of-stream one. */
bool qemu_file_at_eof(QEMUFile *f);
/* Records @err (taking ownership) unless an error is already set. */
void qemu_file_set_error(QEMUFile *f, GError *err);

/* Output. */
void qemu_put_byte(QEMUFile *f, uint8_t v);
void qemu_put_be16(QEMUFile *f, uint16_t v);
void qemu_put_be32(QEMUFile *f, uint32_t v);
void qemu_put_be64(QEMUFile *f, uint64_t v);
void qemu_put_buffer(QEMUFile *f, const void *buf, size_t len);
/* See the header comment for the lifetime rule of @buf. */
void qemu_put_buffer_nocopy(QEMUFile *f, const void *buf, size_t len);
/* u8 length + bytes; @s must be at most 255 bytes long. */
void qemu_put_counted_string(QEMUFile *f, const char *s);
/* Write everything buffered; returns 0 or -1 (sticky error set). */
int qemu_fflush(QEMUFile *f);

/* Input.  On error (or end of stream) values read as 0. */
uint8_t qemu_get_byte(QEMUFile *f);
uint16_t qemu_get_be16(QEMUFile *f);
uint32_t qemu_get_be32(QEMUFile *f);
uint64_t qemu_get_be64(QEMUFile *f);
/*
 * Read exactly @len bytes into @buf (large reads go straight from the
 * channel into @buf).  Returns the number of bytes stored, < @len only on
 * error.
 */
size_t qemu_get_buffer(QEMUFile *f, void *buf, size_t len);
/*
 * Peek at the byte @offset bytes ahead (offset < QEMU_FILE_BUF_SIZE)
 * without consuming it; returns -1 at end of stream or on error (without
 * setting the sticky error).
 */
int qemu_peek_byte(QEMUFile *f, size_t offset);
/*
 * Make @len bytes starting @offset ahead available without consuming
 * them; returns a pointer into the buffer valid until the next get, or
 * NULL if the stream ends before (no sticky error).
 */
const uint8_t *qemu_peek_buffer(QEMUFile *f, size_t offset, size_t len);
/* Discard @len bytes. */
void qemu_file_skip(QEMUFile *f, size_t len);
/*
 * Read a counted string into @buf (NUL-terminated).  Returns false on
 * stream error.
 */
bool qemu_get_counted_string(QEMUFile *f, char buf[256]);

#endif /* MIGRATION_QEMU_FILE_H */
