/* The header-bar shield: icon, tooltip and accessible label per state, and
 * the popover's code in six groups, its details and the copy button. */
#include "config.h"

#include <locale.h>

#include "cv-shield-button.h"
#include "cv-test-ui.h"

typedef struct {
  CvE2eeState state;
  const char *icon;
  const char *title;
  const char *screenshot;
} Expected;

static const Expected expected_states[] = {
  { CV_E2EE_STATE_NOT_CONNECTED, "conclave-shield-neutral-symbolic", "Not in a meeting", "shield-popover-not-connected" },
  { CV_E2EE_STATE_SECURING, "conclave-shield-pending-symbolic", "Securing…", "shield-popover-securing" },
  { CV_E2EE_STATE_SECURE_E2EE, "conclave-shield-secure-symbolic", "End-to-end encrypted", "shield-popover-secure" },
  { CV_E2EE_STATE_TRANSPORT_ONLY, "conclave-shield-neutral-symbolic", "Not end-to-end encrypted", "shield-popover-transport-only" },
  { CV_E2EE_STATE_DEGRADED, "conclave-shield-warning-symbolic", "A participant’s media cannot be decrypted", "shield-popover-degraded" },
};

#define SUITE_NAME "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519"

typedef struct {
  GtkWindow *window;
  CvShieldButton *shield;
  GtkMenuButton *button;
  CvSecurityState *state;
  char code[36];
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  GtkWidget *header = adw_header_bar_new ();
  guint8 auth[32];
  GError *error = NULL;

  f->state = cv_security_state_new ();
  for (guint i = 0; i < sizeof auth; i++)
    auth[i] = (guint8) g_random_int ();
  g_assert_true (cv_security_state_set_authenticator (f->state, auth, sizeof auth, &error));
  g_assert_no_error (error);
  /* The expected code from the DESIGN.md rule, not from the code under test. */
  for (guint g = 0; g < 6; g++)
    {
      guint64 v = 0;
      for (guint i = 0; i < 5; i++)
        v = (v << 8) | auth[5 * g + i];
      g_snprintf (f->code + 6 * g, 7, g < 5 ? "%05" G_GUINT64_FORMAT " " : "%05" G_GUINT64_FORMAT, v % 100000);
    }
  g_assert_cmpstr (cv_security_state_get_code (f->state), ==, f->code);
  cv_security_state_set_cipher_suite (f->state, SUITE_NAME);
  cv_security_state_update_epoch (f->state, f->code, 7, 3, "Dana joined");

  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, 480, 120);
  gtk_window_set_title (f->window, "Shield");
  f->shield = CV_SHIELD_BUTTON (cv_shield_button_new ());
  cv_shield_button_set_state (f->shield, f->state);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), GTK_WIDGET (f->shield));
  gtk_window_set_titlebar (f->window, header);
  gtk_window_set_child (f->window, gtk_label_new ("Meeting"));
  gtk_window_present (f->window);
  cv_test_ui_wait_mapped (GTK_WIDGET (f->shield));
  f->button = GTK_MENU_BUTTON (cv_test_ui_find_type (GTK_WIDGET (f->shield), GTK_TYPE_MENU_BUTTON));
  g_assert_nonnull (f->button);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  gtk_window_destroy (f->window);
  cv_test_ui_iterate (50);
  g_assert_finalize_object (f->state);
}

static void
test_states (Fixture       *f,
             gconstpointer  data)
{
  for (guint i = 0; i < G_N_ELEMENTS (expected_states); i++)
    {
      const Expected *e = &expected_states[i];
      g_autofree char *label = g_strdup_printf ("Meeting security: %s", e->title);
      const char *tooltip;
      g_autofree char *problem = NULL;

      cv_security_state_set_state (f->state, e->state);
      g_assert_cmpstr (gtk_menu_button_get_icon_name (f->button), ==, e->icon);
      tooltip = gtk_widget_get_tooltip_text (GTK_WIDGET (f->button));
      g_assert_cmpstr (tooltip, ==, label);
      problem = gtk_test_accessible_check_property (GTK_ACCESSIBLE (f->button),
                                                    GTK_ACCESSIBLE_PROPERTY_LABEL, label);
      if (problem != NULL)
        g_error ("accessible label in state %u: %s", i, problem);
      /* The words are in the popover too, not only in the colour of the icon. */
      g_assert_nonnull (cv_test_ui_find_label (GTK_WIDGET (f->shield), e->title));
    }
  /* Green only when secure, amber only when degraded. */
  cv_security_state_set_state (f->state, CV_E2EE_STATE_SECURE_E2EE);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (f->button), "success"));
  cv_security_state_set_state (f->state, CV_E2EE_STATE_TRANSPORT_ONLY);
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (f->button), "success"));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (f->button), "warning"));
  cv_security_state_set_state (f->state, CV_E2EE_STATE_DEGRADED);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (f->button), "warning"));
  g_autofree char *path = cv_test_ui_screenshot (GTK_WIDGET (f->window), "shield-header-degraded");
}

/* The label showing the code: the only one made of digits and whitespace. */
static GtkLabel *
find_code_label (GtkWidget *root)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkLabel *found;
      if (GTK_IS_LABEL (child))
        {
          const char *text = gtk_label_get_text (GTK_LABEL (child));
          gboolean digits = *text != '\0';
          for (const char *p = text; *p; p++)
            digits = digits && (g_ascii_isdigit (*p) || g_ascii_isspace (*p));
          if (digits && strlen (text) >= 30)
            return GTK_LABEL (child);
        }
      if ((found = find_code_label (child)) != NULL)
        return found;
    }
  return NULL;
}

static void
test_popover_secure (Fixture       *f,
                     gconstpointer  data)
{
  GtkWidget *popover;
  GtkLabel *code_label;
  g_auto (GStrv) groups = NULL;
  g_auto (GStrv) expected = g_strsplit (f->code, " ", -1);
  g_autofree char *path = NULL;
  GtkLabel *heading;

  cv_security_state_set_state (f->state, CV_E2EE_STATE_SECURE_E2EE);
  cv_shield_button_popup (f->shield);
  popover = GTK_WIDGET (gtk_menu_button_get_popover (f->button));
  cv_test_ui_wait_mapped (popover);

  heading = cv_test_ui_find_label (popover, "Security Verification Code");
  g_assert_nonnull (heading);
  g_assert_true (gtk_widget_is_drawable (GTK_WIDGET (heading)));
  code_label = find_code_label (popover);
  g_assert_nonnull (code_label);
  g_assert_true (gtk_widget_is_drawable (GTK_WIDGET (code_label)));
  g_assert_true (gtk_label_get_selectable (code_label));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (code_label), "monospace"));
  /* Six groups of five digits, the same as the state's code. */
  groups = g_regex_split_simple ("\\s+", gtk_label_get_text (code_label), 0, 0);
  g_assert_cmpuint (g_strv_length (groups), ==, 6);
  for (guint i = 0; i < 6; i++)
    {
      g_assert_cmpuint (strlen (groups[i]), ==, 5);
      g_assert_cmpstr (groups[i], ==, expected[i]);
    }

  g_assert_nonnull (cv_test_ui_find_label (popover, "Dana joined"));
  g_assert_nonnull (cv_test_ui_find_label (popover, SUITE_NAME));
  g_assert_nonnull (cv_test_ui_find_label (popover, "7"));
  g_assert_nonnull (cv_test_ui_find_label (popover, "3"));
  g_assert_nonnull (cv_test_ui_find_label_containing (popover, "read the code aloud; everyone must see the same digits"));

  path = cv_test_ui_screenshot (popover, "shield-popover-secure");

  /* A new epoch reaches the open popover. */
  cv_security_state_update_epoch (f->state, "11111 22222 33333 44444 55555 66666", 8, 2, "Ann left");
  g_assert_cmpstr (gtk_label_get_text (find_code_label (popover)), ==, "11111 22222 33333\n44444 55555 66666");
  g_assert_nonnull (cv_test_ui_find_label (popover, "Ann left"));
  g_assert_nonnull (cv_test_ui_find_label (popover, "8"));
  gtk_popover_popdown (GTK_POPOVER (popover));
}

static void
test_copy (Fixture       *f,
           gconstpointer  data)
{
  GtkWidget *popover = GTK_WIDGET (gtk_menu_button_get_popover (f->button));
  GtkWidget *copy = cv_test_ui_find_type (popover, GTK_TYPE_BUTTON);
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (f->shield));
  GValue value = G_VALUE_INIT;

  cv_security_state_set_state (f->state, CV_E2EE_STATE_SECURE_E2EE);
  g_assert_nonnull (copy);
  g_assert_cmpstr (gtk_widget_get_tooltip_text (copy), ==, "Copy Security Code");
  g_signal_emit_by_name (copy, "clicked");
  g_value_init (&value, G_TYPE_STRING);
  g_assert_true (gdk_content_provider_get_value (gdk_clipboard_get_content (clipboard), &value, NULL));
  /* The one-line form, as it would be pasted into a chat. */
  g_assert_cmpstr (g_value_get_string (&value), ==, f->code);
  g_value_unset (&value);
}

static void
test_no_code_without_e2ee (Fixture       *f,
                           gconstpointer  data)
{
  const CvE2eeState states[] = { CV_E2EE_STATE_NOT_CONNECTED, CV_E2EE_STATE_SECURING, CV_E2EE_STATE_TRANSPORT_ONLY };
  GtkWidget *popover = GTK_WIDGET (gtk_menu_button_get_popover (f->button));

  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    {
      g_autofree char *path = NULL;
      GtkLabel *heading;
      const Expected *e = NULL;

      for (guint j = 0; j < G_N_ELEMENTS (expected_states); j++)
        if (expected_states[j].state == states[i])
          e = &expected_states[j];
      cv_security_state_set_state (f->state, states[i]);
      cv_shield_button_popup (f->shield);
      cv_test_ui_wait_mapped (popover);
      /* A stale code next to a meeting that is not E2EE would mislead. */
      heading = cv_test_ui_find_label (popover, "Security Verification Code");
      g_assert_nonnull (heading);
      g_assert_false (gtk_widget_is_visible (GTK_WIDGET (heading)));
      g_assert_null (find_code_label (popover));
      g_assert_true (gtk_widget_is_visible (GTK_WIDGET (cv_test_ui_find_label (popover, e->title))));
      path = cv_test_ui_screenshot (popover, e->screenshot);
      gtk_popover_popdown (GTK_POPOVER (popover));
      cv_test_ui_iterate (100);
    }

  /* Degraded still shows the code: comparing it is what the user should do. */
  cv_security_state_set_state (f->state, CV_E2EE_STATE_DEGRADED);
  cv_shield_button_popup (f->shield);
  cv_test_ui_wait_mapped (popover);
  g_assert_nonnull (find_code_label (popover));
  g_assert_true (gtk_widget_is_visible (GTK_WIDGET (find_code_label (popover))));
  g_autofree char *path = cv_test_ui_screenshot (popover, "shield-popover-degraded");
  gtk_popover_popdown (GTK_POPOVER (popover));
}

static void
test_no_state (void)
{
  CvShieldButton *shield = g_object_ref_sink (CV_SHIELD_BUTTON (cv_shield_button_new ()));
  GtkMenuButton *button = GTK_MENU_BUTTON (cv_test_ui_find_type (GTK_WIDGET (shield), GTK_TYPE_MENU_BUTTON));

  g_assert_null (cv_shield_button_get_state (shield));
  g_assert_cmpstr (gtk_menu_button_get_icon_name (button), ==, "conclave-shield-neutral-symbolic");
  g_assert_finalize_object (shield);
}

int
main (int argc, char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  cv_test_ui_init (&argc, &argv);

  g_test_add_func ("/shield/no-state", test_no_state);
  g_test_add ("/shield/states", Fixture, NULL, fixture_setup, test_states, fixture_teardown);
  g_test_add ("/shield/popover-secure", Fixture, NULL, fixture_setup, test_popover_secure, fixture_teardown);
  g_test_add ("/shield/copy", Fixture, NULL, fixture_setup, test_copy, fixture_teardown);
  g_test_add ("/shield/no-code-without-e2ee", Fixture, NULL, fixture_setup, test_no_code_without_e2ee, fixture_teardown);
  return g_test_run ();
}
