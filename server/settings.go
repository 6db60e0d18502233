package main

import (
	"backbone/internal/settings"
)

// openSettings builds the marketplace settings service on the "settings" memo, which
// follows other instances' updates on the bus until the app closes.
func (a *app) openSettings() {
	a.settings = settings.New(settings.Deps{DB: a.db, Memo: a.newMemo("settings"), Log: a.log}, settings.Options{})
}
