import { notebookTests } from "./harness";

notebookTests("01-quickstart");
