import { notebookTests } from "./harness";

notebookTests("08-real-trace");
