package main

import (
	_ "embed"

	"github.com/urfave/cli/v2"
)

// maintenanceText is the maintenance section of README.md and of this
// man page: one source, which test/cluster runs block by block
// (maintenanceSteps) and TestREADMEMaintenance keeps README.md equal to.
//
//go:embed maintenance.md
var maintenanceText string

// maintenanceHeading starts the section in the man page (md2man makes the
// level-1 heading a .SH section, the text's level-3 headings .SS).
const maintenanceHeading = "# MAINTENANCE"

// commandLineHeading closes the section: urfave/cli's man page template
// puts its usage paragraph right after the description.
const commandLineHeading = "# COMMAND LINE"

// manPage renders the man page with the maintenance section after the
// description. --help leaves the section out: in a terminal it would be
// screens of markdown before the options.
func manPage(app *cli.App) (string, error) {
	intro := app.Description
	defer func() { app.Description = intro }()
	app.Description = intro + "\n\n" + maintenanceHeading + "\n\n" + maintenanceText + "\n" + commandLineHeading + "\n"
	return app.ToMan()
}
