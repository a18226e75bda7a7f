//go:build !windows && !darwin

package i18n

import "testing"

func TestSetLanguageFollowsEnvironment(t *testing.T) {
	t.Cleanup(func() { SetLanguage("") })
	for _, tt := range []struct{ lang, want string }{
		{"nl_BE.UTF-8", "nl"},
		{"de_DE.UTF-8", "en"},
	} {
		t.Setenv("LC_ALL", "")
		t.Setenv("LC_MESSAGES", "")
		t.Setenv("LANGUAGE", "")
		t.Setenv("LANG", tt.lang)
		SetLanguage("")
		if got := Language(); got != tt.want {
			t.Errorf("LANG=%s: Language() = %q, want %q", tt.lang, got, tt.want)
		}
	}
}
