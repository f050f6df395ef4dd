import { notebookTests } from "./harness";

notebookTests("07-fp-safety");
