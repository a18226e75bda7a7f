//go:build !windows && !darwin

package i18n

import "os"

func osLanguages() []string { return fromEnv(os.Getenv) }
