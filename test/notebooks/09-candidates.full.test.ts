import { notebookTests } from "./harness";

notebookTests("09-candidates");
