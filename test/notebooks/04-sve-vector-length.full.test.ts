import { notebookTests } from "./harness";

notebookTests("04-sve-vector-length");
