package main

import _ "embed"

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

// manDescription appends the maintenance section to the description the
// man page and --help show.
func manDescription(intro string) string {
	return intro + "\n\n" + maintenanceHeading + "\n\n" + maintenanceText + "\n" + commandLineHeading + "\n"
}
