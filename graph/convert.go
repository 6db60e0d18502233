package graph

import "backbone/graph/model"

// serverInfoModel converts the static server description to its GraphQL shape.
func serverInfoModel(info ServerInfo) *model.ServerInfo {
	out := &model.ServerInfo{Version: info.Version, Environment: info.Environment}
	for _, c := range info.Components {
		mode := model.ComponentModeEmbedded
		if c.External {
			mode = model.ComponentModeExternal
		}
		out.Components = append(out.Components, model.Component{Name: c.Name, Mode: mode, Driver: c.Driver})
	}
	return out
}
