/*
 * HMP: sessions (banner, prompt, line input), command lookup and help,
 * and the QMP command human-monitor-command.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <string.h>

#include "monitor-internal.h"
#include "monitor/hmp.h"
#include "qapi/error.h"
#include "qapi/qapi-commands.h"

/* Longest accepted command line (QEMU's readline buffer is 4 KiB). */
#define HMP_LINE_MAX 4096

#define HMP_PROMPT "(qemu) "

static const HMPCommand *const hmp_tables[] = {
    hmp_cmds, hmp_migration_cmds,
};

static const HMPCommand *const hmp_info_tables[] = {
    hmp_info_cmds, hmp_migration_info_cmds,
};

/* Does @name ("stop|s") have the alias @word? */
static bool hmp_name_matches(const char *name, const char *word)
{
    size_t wl = strlen(word);
    const char *p = name;

    while (*p) {
        const char *bar = strchr(p, '|');
        size_t l = bar ? (size_t)(bar - p) : strlen(p);

        if (l == wl && strncmp(p, word, l) == 0) {
            return true;
        }
        if (!bar) {
            break;
        }
        p = bar + 1;
    }
    return false;
}

static const HMPCommand *hmp_find(const HMPCommand *const *tables,
                                  size_t n, const char *word)
{
    size_t t;

    for (t = 0; t < n; t++) {
        const HMPCommand *c;

        if (!tables[t]) {
            continue;
        }
        for (c = tables[t]; c->name; c++) {
            if (hmp_name_matches(c->name, word)) {
                return c;
            }
        }
    }
    return NULL;
}

static gint hmp_cmp_name(gconstpointer a, gconstpointer b)
{
    const HMPCommand *x = *(const HMPCommand *const *)a;
    const HMPCommand *y = *(const HMPCommand *const *)b;

    return strcmp(x->name, y->name);
}

/* All commands of @tables, sorted by name like QEMU's help. */
static GPtrArray *hmp_sorted(const HMPCommand *const *tables, size_t n)
{
    GPtrArray *all = g_ptr_array_new();
    size_t t;

    for (t = 0; t < n; t++) {
        const HMPCommand *c;

        for (c = tables[t]; c && c->name; c++) {
            g_ptr_array_add(all, (gpointer)c);
        }
    }
    g_ptr_array_sort(all, hmp_cmp_name);
    return all;
}

static void hmp_print_help_line(Monitor *mon, const char *prefix,
                                const HMPCommand *c)
{
    monitor_printf(mon, "%s%s %s -- %s\n", prefix, c->name, c->params,
                   c->help);
}

void hmp_print_error(Monitor *mon, const GError *err)
{
    if (err) {
        monitor_printf(mon, "Error: %s\n", err->message);
    }
}

bool hmp_parse_bool(const char *str, bool *out)
{
    if (!g_strcmp0(str, "on") || !g_strcmp0(str, "true") ||
        !g_strcmp0(str, "yes")) {
        *out = true;
        return true;
    }
    if (!g_strcmp0(str, "off") || !g_strcmp0(str, "false") ||
        !g_strcmp0(str, "no")) {
        *out = false;
        return true;
    }
    return false;
}

char **hmp_split_args(const char *args)
{
    GPtrArray *words = g_ptr_array_new();
    const char *p = args ? args : "";

    for (;;) {
        GString *w;

        while (g_ascii_isspace(*p)) {
            p++;
        }
        if (!*p) {
            break;
        }
        w = g_string_new(NULL);
        if (*p == '"') {
            for (p++; *p && *p != '"'; p++) {
                if (*p == '\\' && p[1]) {
                    p++;
                }
                g_string_append_c(w, *p);
            }
            if (*p == '"') {
                p++;
            }
        } else {
            while (*p && !g_ascii_isspace(*p)) {
                g_string_append_c(w, *p++);
            }
        }
        g_ptr_array_add(words, g_string_free(w, FALSE));
    }
    g_ptr_array_add(words, NULL);
    return (char **)g_ptr_array_free(words, FALSE);
}

static void hmp_run(Monitor *mon, const HMPCommand *cmd, const char *typed,
                    const char *args)
{
    if (cmd->max_args >= 0) {
        g_auto(GStrv) words = hmp_split_args(args);

        if (g_strv_length(words) > (guint)cmd->max_args) {
            monitor_printf(mon, "%s: extraneous characters at the end of "
                           "line\nTry \"help %s\" for more information\n",
                           cmd->name, typed);
            return;
        }
    }
    cmd->cmd(mon, mon->ms, args);
}

/* Split "  word rest  " into the word and the trimmed rest. */
static char *hmp_first_word(const char *line, const char **rest)
{
    const char *p = line, *start;

    while (g_ascii_isspace(*p)) {
        p++;
    }
    start = p;
    while (*p && !g_ascii_isspace(*p)) {
        p++;
    }
    *rest = p;
    return g_strndup(start, p - start);
}

void hmp_handle_line(Monitor *mon, const char *line)
{
    const char *rest;
    g_autofree char *word = hmp_first_word(line, &rest);
    g_autofree char *args = g_strstrip(g_strdup(rest));
    const HMPCommand *cmd;

    if (!*word) {
        return;
    }
    cmd = hmp_find(hmp_tables, G_N_ELEMENTS(hmp_tables), word);
    if (!cmd) {
        monitor_printf(mon, "unknown command: '%s'\n", word);
        return;
    }
    hmp_run(mon, cmd, word, args);
}

/* ---- commands implemented here: help, info ---- */

static void hmp_info_list(Monitor *mon)
{
    g_autoptr(GPtrArray) all = hmp_sorted(hmp_info_tables,
                                          G_N_ELEMENTS(hmp_info_tables));
    guint i;

    for (i = 0; i < all->len; i++) {
        hmp_print_help_line(mon, "info ", g_ptr_array_index(all, i));
    }
}

void hmp_info(Monitor *mon, MachineState *ms, const char *args)
{
    const char *rest;
    g_autofree char *item = hmp_first_word(args, &rest);
    g_autofree char *sub_args = g_strstrip(g_strdup(rest));
    g_autofree char *help_name = NULL;
    const HMPCommand *cmd;

    if (!*item) {
        hmp_info_list(mon);
        return;
    }
    cmd = hmp_find(hmp_info_tables, G_N_ELEMENTS(hmp_info_tables), item);
    if (!cmd) {
        monitor_printf(mon, "unknown command: 'info %s'\n", item);
        return;
    }
    help_name = g_strdup_printf("info %s", item);
    hmp_run(mon, cmd, help_name, sub_args);
}

void hmp_help(Monitor *mon, MachineState *ms, const char *args)
{
    g_auto(GStrv) words = hmp_split_args(args);
    const HMPCommand *cmd;

    if (!words[0]) {
        g_autoptr(GPtrArray) all = hmp_sorted(hmp_tables,
                                              G_N_ELEMENTS(hmp_tables));
        guint i;

        for (i = 0; i < all->len; i++) {
            hmp_print_help_line(mon, "", g_ptr_array_index(all, i));
        }
        return;
    }
    if (!strcmp(words[0], "info")) {
        if (words[1]) {
            cmd = hmp_find(hmp_info_tables, G_N_ELEMENTS(hmp_info_tables),
                           words[1]);
            if (!cmd) {
                monitor_printf(mon, "unknown command: 'info %s'\n",
                               words[1]);
                return;
            }
            hmp_print_help_line(mon, "info ", cmd);
            return;
        }
        hmp_info_list(mon);
        return;
    }
    cmd = hmp_find(hmp_tables, G_N_ELEMENTS(hmp_tables), words[0]);
    if (!cmd) {
        monitor_printf(mon, "unknown command: '%s'\n", words[0]);
        return;
    }
    hmp_print_help_line(mon, "", cmd);
}

/* ---- sessions ---- */

void hmp_session_start(Monitor *mon)
{
    mon->line = g_string_new(NULL);
    monitor_printf(mon, "QEMU %d.%d.%d monitor - type 'help' for more "
                   "information\n", ZCMIG_QEMU_MAJOR, ZCMIG_QEMU_MINOR,
                   ZCMIG_QEMU_MICRO);
    monitor_puts(mon, HMP_PROMPT);
}

void hmp_session_input(Monitor *mon, const char *buf, size_t len)
{
    size_t i;

    for (i = 0; i < len && !mon->dead; i++) {
        char c = buf[i];

        if (c == '\n' && mon->last_was_cr) {
            mon->last_was_cr = false;
            continue;    /* "\r\n" is one line end */
        }
        mon->last_was_cr = c == '\r';
        if (c == '\n' || c == '\r') {
            g_autofree char *line = g_strdup(mon->line->str);

            g_string_truncate(mon->line, 0);
            hmp_handle_line(mon, line);
            monitor_puts(mon, HMP_PROMPT);
            continue;
        }
        if (c == '\0') {
            continue;
        }
        if (mon->line->len < HMP_LINE_MAX) {
            g_string_append_c(mon->line, c);
        }
    }
}

/* ---- QMP: human-monitor-command ---- */

char *qmp_human_monitor_command(MachineState *ms, const char *command_line,
                                bool has_cpu_index, int64_t cpu_index,
                                GError **errp)
{
    Monitor *caller = ms->cur_mon;
    Monitor *mon;
    char *out;

    if (has_cpu_index && cpu_index != 0) {
        /* The none machine has no CPU; QEMU 7.2 says the same for a bad
         * index. */
        qapi_error_setg(errp, "Parameter 'cpu-index' expects a CPU index");
        return NULL;
    }
    mon = monitor_buffer_new(ms);
    /* As in QEMU, the HMP monitor (with no fds of its own) is current. */
    ms->cur_mon = mon;
    hmp_handle_line(mon, command_line);
    ms->cur_mon = caller;
    out = g_strdup(mon->outbuf->str);
    monitor_buffer_free(mon);
    return out;
}
