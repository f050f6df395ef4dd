import { notebookTests } from "./harness";

notebookTests("05-what-if");
