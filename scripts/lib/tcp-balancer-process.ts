// The round-robin balancer as a process of its own (startBalancerProcess in tcp-balancer.ts).
//   argv: <listen port> <backend port>…   IPC: → { type: "listening" }
import { startTcpBalancer } from "./tcp-balancer.ts";

const [port, ...backends] = process.argv.slice(2).map(Number);
const balancer = await startTcpBalancer(port, backends);
process.send?.({ type: "listening" });
process.on("disconnect", () => void balancer.close().finally(() => process.exit(0)));
process.on("SIGTERM", () => void balancer.close().finally(() => process.exit(0)));
