/*
 * File descriptors passed to a monitor session: SCM_RIGHTS input,
 * getfd/closefd, and the lookups migration's fd: transport uses.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * As in QEMU, the fds of a session are its own: a name given with getfd
 * on one QMP connection is unknown on another, and every fd a session
 * still holds is closed when it ends.
 *
 * Received fds wait for a command to take them.  Only the latest batch
 * waits (a new one closes the older, as QEMU does); and, so that a
 * client that passes an fd with the wrong command does not leak it into
 * zcmig for the rest of the session, unclaimed fds are closed once a
 * command completed after their arrival and the input is between two
 * messages.  The fds arrive with the last bytes of the read that
 * carries them, so the command they were sent with is one of those
 * completed by that read, or the one still being read.
 */
#include "config-host.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <stdlib.h>
#include <unistd.h>

#include "monitor-internal.h"
#include "qapi/error.h"
#include "qapi/qapi-commands.h"

static void monitor_fd_close_value(gpointer p)
{
    close(GPOINTER_TO_INT(p));
}

static void monitor_msgfds_close(Monitor *mon)
{
    guint i;

    for (i = 0; mon->msgfds && i < mon->msgfds->len; i++) {
        close(g_array_index(mon->msgfds, int, i));
    }
    if (mon->msgfds) {
        g_array_set_size(mon->msgfds, 0);
    }
}

void monitor_msgfds_received(Monitor *mon, const int *fds, size_t n)
{
    size_t i;

    monitor_msgfds_close(mon);
    if (!mon->msgfds) {
        mon->msgfds = g_array_new(FALSE, FALSE, sizeof(int));
    }
    for (i = 0; i < n; i++) {
        /* The sender's O_NONBLOCK came along; users expect blocking. */
        g_unix_set_fd_nonblocking(fds[i], FALSE, NULL);
        g_array_append_val(mon->msgfds, fds[i]);
    }
    mon->msgfds_cmd_seen = false;
}

void monitor_msgfds_command_done(Monitor *mon)
{
    mon->msgfds_cmd_seen = true;
}

void monitor_msgfds_input_done(Monitor *mon, bool in_message)
{
    if (!mon->msgfds || !mon->msgfds->len) {
        return;
    }
    if (mon->kind != MONITOR_KIND_QMP ||
        (mon->msgfds_cmd_seen && !in_message)) {
        monitor_msgfds_close(mon);
    }
}

void monitor_fds_free(Monitor *mon)
{
    monitor_msgfds_close(mon);
    g_clear_pointer(&mon->msgfds, g_array_unref);
    g_clear_pointer(&mon->fds, g_hash_table_unref);
}

/* Take one received fd (closing any others of the batch), or -1. */
static int monitor_take_msgfd(Monitor *mon)
{
    int fd;

    if (!mon->msgfds || !mon->msgfds->len) {
        return -1;
    }
    fd = g_array_index(mon->msgfds, int, 0);
    g_array_remove_index(mon->msgfds, 0);
    monitor_msgfds_close(mon);
    return fd;
}

Monitor *monitor_cur(MachineState *ms)
{
    return ms->cur_mon;
}

int monitor_get_fd(Monitor *mon, const char *fdname, GError **errp)
{
    gpointer key, value;

    if (!mon || !mon->fds ||
        !g_hash_table_steal_extended(mon->fds, fdname, &key, &value)) {
        qapi_error_setg(errp, "File descriptor named '%s' has not been found",
                        fdname);
        return -1;
    }
    g_free(key);
    return GPOINTER_TO_INT(value);
}

int monitor_fd_param(Monitor *mon, const char *fdname, GError **errp)
{
    char *end;
    long fd;

    if (mon && !g_ascii_isdigit(fdname[0])) {
        return monitor_get_fd(mon, fdname, errp);
    }
    errno = 0;
    fd = strtol(fdname, &end, 10);
    if (end == fdname || *end || errno || fd < 0 || fd > G_MAXINT) {
        qapi_error_setg(errp, "Invalid file descriptor number '%s'", fdname);
        return -1;
    }
    if (fcntl((int)fd, F_GETFD) < 0) {
        qapi_error_setg(errp, "Invalid file descriptor number '%s': %s",
                        fdname, g_strerror(errno));
        return -1;
    }
    /* An inherited fd must not leak into exec: children. */
    fcntl((int)fd, F_SETFD, FD_CLOEXEC);
    return (int)fd;
}

void qmp_getfd(MachineState *ms, const char *fdname, GError **errp)
{
    Monitor *mon = monitor_cur(ms);
    int fd = mon ? monitor_take_msgfd(mon) : -1;

    if (fd < 0) {
        qapi_error_setg(errp, "No file descriptor supplied via SCM_RIGHTS");
        return;
    }
    if (g_ascii_isdigit(fdname[0])) {
        /* Digits are fd numbers in fd: URIs; a name must differ. */
        close(fd);
        qapi_error_setg(errp, "Parameter '%s' expects %s", "fdname",
                        "a name not starting with a digit");
        return;
    }
    if (!mon->fds) {
        mon->fds = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                         monitor_fd_close_value);
    }
    /* An fd already known by this name is closed and replaced. */
    g_hash_table_insert(mon->fds, g_strdup(fdname), GINT_TO_POINTER(fd));
}

void qmp_closefd(MachineState *ms, const char *fdname, GError **errp)
{
    Monitor *mon = monitor_cur(ms);

    if (!mon || !mon->fds || !g_hash_table_remove(mon->fds, fdname)) {
        qapi_error_setg(errp, "File descriptor named '%s' not found", fdname);
    }
}
