package cli

// Registered from a zz_ file for the reason zz_autostart.go gives: cli.go's
// init creates the commands map, and init functions run in file-name order.
func init() {
	commands["gateway"] = command{cmdGateway, "the local API gateway for programs such as Power BI: on, off, status, key"}
	commands["api"] = command{cmdAPI, "call Exact Online's REST API through the keeper (like 'gh api')"}
	commands["divisions"] = command{cmdDivisions, "list the divisions (companies) a connection's login can reach"}
}
