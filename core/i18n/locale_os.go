//go:build windows || darwin

package i18n

import "github.com/jeandeaual/go-locale"

// osLanguages asks the OS for the user's preferred languages, best first.
func osLanguages() []string {
	ls, err := locale.GetLocales()
	if err != nil {
		// No answer from the OS: English, which every user can read a bit.
		return nil
	}
	return ls
}
