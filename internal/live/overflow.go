package live

// Overflow policies of the four live feeds: what each does when events come faster than a
// subscriber reads them, and when this process itself falls behind the bus. This table
// is the one statement of them; the code it names refers here, and the README's "Live
// updates" section says the same to clients.
//
//	feed               a slow subscriber (per subscriber, in      this process lost bus messages: the bus
//	                   this process)                              dropped its subscription, or Redis was away
//	-----------------  -----------------------------------------  ------------------------------------------
//	notificationAdded  nothing is lost or buffered: the database  the stream subscribes again and reads the
//	(internal/notify)  is the source, and the stream reads the    database after the last notification sent
//	                   next page when the client has taken the
//	                   last one
//	questionUpdated    questionBox events wait, then the oldest   every follower reads its question again
//	                   is dropped; each re-reads the question, so (router.refresh)
//	                   the newest state always arrives
//	taskQueueChanged   taskBox changes wait, then the oldest is   what entered or left the queue since the
//	                   dropped (each is about another question)   loss is read from the database and sent
//	                                                              (router.catchUp: clockSkew before it, at
//	                                                              most catchUpLimit of each kind)
//	platformStats      statsBox: the latest figures only (they    the figures are read again at once (and
//	                   coalesce)                                  every Options.StatsRefresh in any case)
//
// Beneath the feeds, the bus gives each subscription bus.DefaultBuffer messages and ends
// one that falls a whole buffer behind with bus.ErrSlowConsumer: that is a loss like a
// Redis gap, and every feed recovers from it as in the last column (the routers and the
// notification streams subscribe again, then read the source of truth). Above them, the
// transports bound what waits for the client: a websocket more than WS_SEND_QUEUE
// messages (or 8 MiB) behind is closed with 1008 (package gqlws), and an event stream
// whose write takes over 10 s ends (graph/sse.go). A client that comes back queries the
// current state (notificationAdded replays from its cursor).
const (
	// questionBox: a question's changes follow each other within milliseconds (the AI
	// stages), and each shows its own status, so a few may wait.
	questionBox = 16
	// taskBox: unlike question updates, each change is about another question.
	taskBox = 256
	// statsBox: only the latest figures matter.
	statsBox = 1
)
