package main

// azSettingsRows are the rows of the marketplace settings' fields.
func azSettingsRows() []azRow {
	return []azRow{
		{op: `{ settings { subjects platformFeeBps prices { subject urgency credits } } }`, want: azSignedIn()},
		{op: `mutation { updateSettings(input: {revisionLimit: 3}) { revisionLimit } }`, want: azAdminOnly()},
	}
}
