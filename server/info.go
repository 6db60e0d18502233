package main

import "backbone/graph"

// serverInfo describes what this process runs on, for the public serverInfo query.
func (a *app) serverInfo() graph.ServerInfo {
	info := graph.ServerInfo{Version: version(), Environment: a.cfg.Env}
	for _, c := range a.healthChecks() {
		info.Components = append(info.Components, graph.Component{
			Name: c.Name, External: c.Mode == "external", Driver: c.Driver,
		})
	}
	mode, model := a.ai.Info()
	info.Components = append(info.Components, graph.Component{
		Name: "ai", External: a.ai != nil, Driver: mode, Model: model, None: a.ai == nil})
	return info
}
