/*
 * Monitors: QMP and HMP servers on the main loop, and event delivery.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * One MonitorCore per machine owns every monitor character device (one
 * per -qmp / -monitor option, labelled compat_monitor0, 1, ... as QEMU
 * does) and every connected session.  It implements the machine's
 * QAPIEventEmitter (ms->events): events may be emitted from any thread;
 * they are stamped at emission, queued in order and written on the main
 * loop to every QMP session that finished capabilities negotiation.
 *
 * All I/O is non-blocking on ms->ctx: input is read when ready, output
 * is buffered and flushed by G_IO_OUT watches, so a slow or stuck client
 * never blocks the loop (a client that stops reading is disconnected
 * once MONITOR_OUTPUT_MAX bytes are pending).
 */
#ifndef MONITOR_MONITOR_H
#define MONITOR_MONITOR_H

#include <glib.h>
#include <stdbool.h>

#include "system/cli.h"
#include "system/machine.h"

/* Pending output per session beyond which the client is dropped. */
#define MONITOR_OUTPUT_MAX (16u << 20)

typedef struct MonitorCore MonitorCore;

/**
 * monitor_core_new:
 * @ms: the machine; ms->events and ms->monitor_core are set
 *
 * Must be called on the thread that runs ms->ctx.
 */
MonitorCore *monitor_core_new(MachineState *ms);

/**
 * monitor_core_free:
 * Closes every session and listener (unlinking UNIX socket paths) after
 * trying, for at most @flush_ms milliseconds, to write pending output
 * (the reply to `quit`, the SHUTDOWN event).  Clears ms->events.
 * Accepts NULL.
 */
void monitor_core_free(MonitorCore *core, unsigned flush_ms);

/**
 * monitor_add:
 * @core: the core
 * @opt: a parsed -qmp / -monitor option
 * @errp: listen/bind errors
 *
 * Creates the character device and starts listening (or, for stdio,
 * starts a session on fds 0/1).  With wait=on this blocks until the
 * first client connects, as QEMU does at start-up.
 */
bool monitor_add(MonitorCore *core, const CliMonitor *opt, GError **errp);

/* The machine's event emitter (same as ms->events). */
QAPIEventEmitter *monitor_core_emitter(MonitorCore *core);

/**
 * monitor_flush_events:
 * Deliver queued events now (main loop thread only).  Called
 * automatically; exposed for the shutdown path.
 */
void monitor_flush_events(MonitorCore *core);

/**
 * monitor_printf:
 * @mon: an HMP session (or the buffer of human-monitor-command)
 *
 * Prints to the session; "\n" is sent as "\r\n" as QEMU does.
 */
void monitor_printf(Monitor *mon, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Same, for a preformatted string. */
void monitor_puts(Monitor *mon, const char *str);

/* The machine a session belongs to. */
MachineState *monitor_machine(Monitor *mon);

/**
 * monitor_cur:
 *
 * Returns: the session whose QMP command is being dispatched on the main
 * loop (ms->cur_mon), or NULL outside of a dispatch (command line, other
 * threads, human-monitor-command's own HMP buffer).
 */
Monitor *monitor_cur(MachineState *ms);

/**
 * monitor_get_fd:
 * @mon: (nullable): a session
 * @fdname: a name given with getfd
 *
 * Removes @fdname from @mon's fd table and returns the fd (the caller
 * owns it), or -1 with QEMU's "File descriptor named 'X' has not been
 * found".
 */
int monitor_get_fd(Monitor *mon, const char *fdname, GError **errp);

/**
 * monitor_fd_param:
 * @mon: (nullable): the calling session, NULL on the command line
 * @fdname: a getfd name, or an fd number (inherited)
 *
 * As QEMU: a name not starting with a digit is looked up (and removed)
 * with monitor_get_fd() when there is a session; otherwise it must be the
 * decimal number of an open fd ("Invalid file descriptor number 'X'").
 * The caller owns the returned fd; a numeric one is made close-on-exec.
 */
int monitor_fd_param(Monitor *mon, const char *fdname, GError **errp);

/**
 * monitor_chardev_foreach:
 * Calls @fn for every monitor character device with its label
 * ("compat_monitor0"), QEMU-style filename ("unix:/p,server=on",
 * "disconnected:..." when no client is connected, "stdio") and
 * frontend-open flag.  For query-chardev.
 */
void monitor_chardev_foreach(MonitorCore *core,
                             void (*fn)(void *opaque, const char *label,
                                        const char *filename,
                                        bool frontend_open),
                             void *opaque);

#endif /* MONITOR_MONITOR_H */
