/*
 * zcmig: a RAM-only VM shell that speaks QEMU 7.2's migration protocol.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * main() is the edge: it parses the command line, creates the machine,
 * its RAM, monitors and migration state, runs the main loop and reports
 * start-up errors on stderr as "zcmig: <message>" with exit status 1.
 */
#include "config-host.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migration/migration.h"
#include "monitor/monitor.h"
#include "system/cli.h"
#include "system/machine.h"
#include "system/workload.h"

typedef struct MainSignal {
    MachineState *ms;
    int signo;
} MainSignal;

static gboolean main_on_signal(gpointer opaque)
{
    MainSignal *s = opaque;

    fprintf(stderr, "zcmig: terminating on signal %d\n", s->signo);
    machine_request_shutdown(s->ms, true);
    return G_SOURCE_CONTINUE;
}

static void main_add_signal(MachineState *ms, MainSignal *slot, int signo)
{
    GSource *src = g_unix_signal_source_new(signo);

    slot->ms = ms;
    slot->signo = signo;
    g_source_set_callback(src, main_on_signal, slot, NULL);
    g_source_attach(src, ms->ctx);
    g_source_unref(src);
}

/* QEMU-style pid file: locked while we run, so a second instance fails. */
static int main_write_pidfile(const char *path, GError **errp)
{
    g_autofree char *content = g_strdup_printf("%d\n", (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

    if (fd < 0) {
        int e = errno;
        g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(e),
                    "cannot create PID file: Cannot open pid file: %s",
                    g_strerror(e));
        return -1;
    }
    if (lockf(fd, F_TLOCK, 0) < 0) {
        int e = errno;
        g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(e),
                    "cannot create PID file: Cannot lock pid file: %s",
                    g_strerror(e));
        close(fd);
        return -1;
    }
    if (ftruncate(fd, 0) < 0 ||
        write(fd, content, strlen(content)) != (ssize_t)strlen(content)) {
        int e = errno;
        g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(e),
                    "cannot create PID file: Failed to write pid file: %s",
                    g_strerror(e));
        close(fd);
        return -1;
    }
    return fd;
}

/*
 * -daemonize: fork now; the parent waits for one status byte from the
 * child (0: ready) and exits with 0 or 1.  Returns the child's end of
 * the pipe, or -1 on error.
 */
static int main_daemonize(GError **errp)
{
    int fds[2];
    pid_t pid;

    if (pipe2(fds, O_CLOEXEC) < 0) {
        int e = errno;
        g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(e),
                    "-daemonize: pipe: %s", g_strerror(e));
        return -1;
    }
    pid = fork();
    if (pid < 0) {
        int e = errno;
        g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(e),
                    "-daemonize: fork: %s", g_strerror(e));
        return -1;
    }
    if (pid > 0) {
        char status = 1;
        ssize_t n;

        close(fds[1]);
        do {
            n = read(fds[0], &status, 1);
        } while (n < 0 && errno == EINTR);
        /* No byte: the child died and already printed why. */
        _exit(n == 1 && status == 0 ? 0 : 1);
    }
    close(fds[0]);
    setsid();
    return fds[1];
}

static void main_daemon_ready(int fd)
{
    char ok = 0;
    int null = open("/dev/null", O_RDWR);

    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        if (null > STDERR_FILENO) {
            close(null);
        }
    }
    if (write(fd, &ok, 1) != 1) {
        /* The parent is gone; nothing to tell. */
    }
    close(fd);
}

int main(int argc, char **argv)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(CliOptions) opts = NULL;
    MachineState *ms = NULL;
    MonitorCore *core = NULL;
    MainSignal sigs[3];
    int daemon_fd = -1, pid_fd = -1, ret = 1;
    guint i;

    opts = cli_parse(argc, argv, &err);
    if (!opts) {
        fprintf(stderr, "zcmig: %s\n", err->message);
        return 1;
    }
    if (opts->show_help) {
        fputs(cli_usage(), stdout);
        return 0;
    }
    if (opts->show_version) {
        printf("zcmig version %s (QEMU emulator version %d.%d.%d "
               "compatible)\n", ZCMIG_VERSION, ZCMIG_QEMU_MAJOR,
               ZCMIG_QEMU_MINOR, ZCMIG_QEMU_MICRO);
        return 0;
    }
    if (opts->daemonize) {
        for (i = 0; i < opts->monitors->len; i++) {
            CliMonitor *m = g_ptr_array_index(opts->monitors, i);

            if (m->kind == CLI_CHARDEV_STDIO) {
                fprintf(stderr, "zcmig: -daemonize cannot be used with a "
                        "stdio monitor\n");
                return 1;
            }
        }
    }

    /* A client that hangs up must not kill us with SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);

    if (opts->daemonize) {
        daemon_fd = main_daemonize(&err);
        if (daemon_fd < 0) {
            goto out;
        }
    }
    if (opts->pidfile) {
        pid_fd = main_write_pidfile(opts->pidfile, &err);
        if (pid_fd < 0) {
            goto out;
        }
    }

    ms = machine_new();
    ms->name = g_strdup(opts->name);
    ms->has_uuid = opts->has_uuid;
    memcpy(ms->uuid, opts->uuid, sizeof(ms->uuid));
    ms->start_paused = opts->start_paused;
    ms->incoming_uri = g_strdup(opts->incoming);
    if (opts->start_paused) {
        ms->runstate = RUN_STATE_PRELAUNCH;
    }
    if (!machine_create_ram(ms, opts, &err)) {
        goto out;
    }

    core = monitor_core_new(ms);
    for (i = 0; i < opts->workloads->len; i++) {
        const char *spec = g_ptr_array_index(opts->workloads, i);

        if (!workload_create_from_opts(ms, spec, &err)) {
            g_prefix_error(&err, "-object %s: ", spec);
            goto out;
        }
    }
    migration_object_init(ms);
    main_add_signal(ms, &sigs[0], SIGTERM);
    main_add_signal(ms, &sigs[1], SIGINT);
    main_add_signal(ms, &sigs[2], SIGHUP);

    for (i = 0; i < opts->monitors->len; i++) {
        CliMonitor *m = g_ptr_array_index(opts->monitors, i);

        if (m->wait) {
            fprintf(stderr, "zcmig: -%s %s: info: QEMU waiting for "
                    "connection on: disconnected:%s:%s%s%s,server=on\n",
                    m->qmp ? "qmp" : "monitor", m->spec,
                    m->kind == CLI_CHARDEV_UNIX ? "unix" : "tcp",
                    m->kind == CLI_CHARDEV_UNIX ? m->path : m->host,
                    m->kind == CLI_CHARDEV_UNIX ? "" : ":",
                    m->kind == CLI_CHARDEV_UNIX ? "" : m->port);
        }
        if (!monitor_add(core, m, &err)) {
            g_prefix_error(&err, "-%s %s: ", m->qmp ? "qmp" : "monitor",
                           m->spec);
            goto out;
        }
    }

    if (opts->incoming &&
        !migration_incoming_cli(ms, opts->incoming, &err)) {
        g_prefix_error(&err, "-incoming %s: ", opts->incoming);
        goto out;
    }

    if (daemon_fd >= 0) {
        main_daemon_ready(daemon_fd);
        daemon_fd = -1;
    }
    if (!g_atomic_int_get(&ms->shutdown_requested)) {
        g_main_loop_run(ms->loop);
    }
    ret = 0;

out:
    if (err) {
        fprintf(stderr, "zcmig: %s\n", err->message);
    }
    if (ms) {
        migration_shutdown(ms);
        workloads_shutdown(ms);
    }
    monitor_core_free(core, 1000);
    machine_free(ms);
    if (pid_fd >= 0) {
        unlink(opts->pidfile);
        close(pid_fd);
    }
    return ret;
}
