// The round-robin balancer as a process of its own (forked by tierline-system.ts), so its
// piping never waits on the event loop of the process that runs the simulator and the load.
//   argv: <listen port> <backend port>…   IPC: → { type: "listening" }
import { startTcpBalancer } from "./tcp-balancer.ts";

const [port, ...backends] = process.argv.slice(2).map(Number);
const balancer = await startTcpBalancer(port, backends);
process.send?.({ type: "listening" });
process.on("disconnect", () => void balancer.close().finally(() => process.exit(0)));
process.on("SIGTERM", () => void balancer.close().finally(() => process.exit(0)));
