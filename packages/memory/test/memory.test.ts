import { memoryStore } from "@coinage/memory";
import { describeStore } from "@coinage/store-tests";

describeStore("memory", { create: () => memoryStore() });
