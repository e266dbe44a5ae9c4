/*
 * Migration over a file descriptor handed to us (fd:NAME, fd:N).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The fd comes from the calling QMP session's getfd table (source and
 * migrate-incoming) or is inherited by number (-incoming fd:N); looking
 * it up is the control plane's business (monitor_get_fd(),
 * monitor_fd_param()).  Here it only becomes a channel.  fd: carries a
 * single stream: there is nothing to open multifd channels with.
 */
#include "config-host.h"

#include <errno.h>
#include <glib-unix.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/channel-file.h"
#include "io/channel-socket.h"
#include "migration/transport.h"
#include "qapi/error.h"

QIOChannel *migration_fd_channel(int fd, bool outgoing, GError **errp)
{
    const char *name = outgoing ? "migration-fd-outgoing" :
                                  "migration-fd-incoming";
    QIOChannel *ioc;
    struct stat st;

    if (fstat(fd, &st) < 0) {
        qapi_error_setg(errp, "Unable to stat file descriptor %d: %s", fd,
                        g_strerror(errno));
        return NULL;
    }
    /* The migration code wants a blocking channel. */
    if (!g_unix_set_fd_nonblocking(fd, FALSE, NULL)) {
        qapi_error_setg(errp, "Unable to make file descriptor %d blocking: "
                        "%s", fd, g_strerror(errno));
        return NULL;
    }
    if (S_ISSOCK(st.st_mode)) {
        QIOChannelSocket *sioc = qio_channel_socket_new_fd(fd, errp);

        if (!sioc) {
            return NULL;
        }
        ioc = QIO_CHANNEL_SOCKET_BASE(sioc);
    } else {
        /*
         * Pipes and files: no shutdown(), so a cancel cannot wake a
         * transfer blocked on a peer that neither reads nor closes.
         */
        ioc = QIO_CHANNEL(qio_channel_file_new_fd(fd));
    }
    qio_channel_set_name(ioc, name);
    return ioc;
}
