/*
 * Migration through a shell command (exec:CMD).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The command's stdin (outgoing) or stdout (incoming) is one end of a
 * UNIX socket pair rather than a pipe: commands cannot tell the
 * difference, and the socket channel gives us shutdown(), which is how a
 * migration blocked on a slow command is cancelled.
 */
#include "config-host.h"

#include <errno.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io/channel-socket.h"
#include "migration/transport.h"
#include "qapi/error.h"

QIOChannel *migration_exec_spawn(const char *command, bool outgoing,
                                 GPid *pid, GError **errp)
{
    const char *argv[] = { "/bin/sh", "-c", command, NULL };
    QIOChannelSocket *sioc;
    int sv[2];
    GError *err = NULL;
    gboolean ok;

    *pid = 0;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        qapi_error_setg(errp, "Failed to create a socket pair for exec: %s",
                   g_strerror(errno));
        return NULL;
    }
    /* The child's end becomes its fd 0 or 1 (dup2 drops CLOEXEC). */
    ok = g_spawn_async_with_fds(NULL, (char **)argv, NULL,
                                G_SPAWN_DO_NOT_REAP_CHILD |
                                (outgoing ? G_SPAWN_STDOUT_TO_DEV_NULL : 0),
                                NULL, NULL, pid,
                                outgoing ? sv[1] : -1,
                                outgoing ? -1 : sv[1],
                                -1, &err);
    close(sv[1]);
    if (!ok) {
        qapi_error_setg(errp, "Failed to run exec: command '%s': %s", command,
                   err->message);
        g_error_free(err);
        close(sv[0]);
        *pid = 0;
        return NULL;
    }
    sioc = qio_channel_socket_new_fd(sv[0], errp);
    if (!sioc) {
        close(sv[0]);
        migration_exec_reap(*pid, true);
        *pid = 0;
        return NULL;
    }
    qio_channel_set_name(QIO_CHANNEL_SOCKET_BASE(sioc),
                         outgoing ? "migration-exec-outgoing" :
                         "migration-exec-incoming");
    return QIO_CHANNEL_SOCKET_BASE(sioc);
}

void migration_exec_reap(GPid pid, bool kill_it)
{
    gint64 deadline;
    int status;

    if (pid <= 0) {
        return;
    }
    if (kill_it) {
        kill(pid, SIGKILL);
    }
    /*
     * A command that got EOF on its input normally exits at once; one
     * that hangs must not hold the migration thread forever.
     */
    deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);

        if (r == pid || (r < 0 && errno != EINTR)) {
            return;
        }
        if (g_get_monotonic_time() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return;
        }
        g_usleep(10 * 1000);
    }
}
