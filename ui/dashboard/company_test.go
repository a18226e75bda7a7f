package dashboard

import (
	"testing"

	"github.com/exactkeeper/exactkeeper/core/i18n"
)

func TestCompanyOf(t *testing.T) {
	defer i18n.SetLanguage("en")
	tests := []struct {
		lang, name string
		division   int
		want       string
	}{
		{"en", "Bakkerij De Jong", 1234567, "Bakkerij De Jong (division 1234567)"},
		{"en", "", 1234567, "division 1234567"},
		{"nl", "Bakkerij De Jong", 1234567, "Bakkerij De Jong (administratie 1234567)"},
		{"nl", "", 42, "administratie 42"},
	}
	for _, tt := range tests {
		i18n.SetLanguage(tt.lang)
		if got := companyOf(tt.name, tt.division); got != tt.want {
			t.Errorf("%s: companyOf(%q, %d) = %q, want %q", tt.lang, tt.name, tt.division, got, tt.want)
		}
	}
}
