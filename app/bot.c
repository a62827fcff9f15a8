/* conclave-bot: a headless participant for tests, benchmarks and the demo.
 *
 * It parses its options now; joining a meeting needs the meeting session
 * (CvSession), which is not built yet, and the bot says so rather than
 * pretending to join.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>

int
main (int argc, char *argv[])
{
  g_autofree char *server = NULL, *meeting = NULL, *name = NULL, *chat = NULL, *record = NULL;
  int count = 1, leave_after = 0;
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  const GOptionEntry entries[] = {
    { "server", 's', 0, G_OPTION_ARG_STRING, &server, N_("Meeting service, HOST[:PORT]"), N_("HOST") },
    { "meeting", 'm', 0, G_OPTION_ARG_STRING, &meeting, N_("Meeting number or invite link"), N_("MEETING") },
    { "name", 'n', 0, G_OPTION_ARG_STRING, &name, N_("Display name (numbered when --count > 1)"), N_("NAME") },
    { "count", 'c', 0, G_OPTION_ARG_INT, &count, N_("How many participants to run"), N_("N") },
    { "chat", 0, 0, G_OPTION_ARG_STRING, &chat, N_("Send this chat message once joined"), N_("TEXT") },
    { "record", 0, 0, G_OPTION_ARG_FILENAME, &record, N_("Record the meeting to this WebM file"), N_("FILE") },
    { "leave-after", 0, 0, G_OPTION_ARG_INT, &leave_after, N_("Leave after this many seconds (0: stay)"), N_("SECONDS") },
    { NULL }
  };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (_("— a headless Conclave participant"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
                                _("Joins a meeting with test media (a moving pattern with its name, a tone),\n"
                                  "prints the Security Verification Code and what it receives."));
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("conclave-bot: %s\n", error->message);
      return 2;
    }
  if (count < 1 || count > 1000)
    {
      g_printerr ("conclave-bot: %s\n", _("--count must be between 1 and 1000"));
      return 2;
    }
  if (server == NULL || meeting == NULL)
    {
      g_printerr ("conclave-bot: %s\n", _("--server and --meeting are required (see --help)"));
      return 2;
    }

  g_printerr ("conclave-bot: %s\n", _("joining meetings is not implemented in this version yet"));
  return 1;
}
