package main

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/scholia-nlp/scholia/client"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
)

// readSchema reads a schema file in the API's JSON form (the output of
// `scholia project schema`).
func readSchema(path string) (*pb.Schema, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the schema: %w", err)
	}
	var s pb.Schema
	if err := protojson.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s: not a schema in JSON: %w", path, err)
	}
	return &s, nil
}

func (a *app) projectCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "project", Short: "Manage projects and their schemas"}
	var schemaFile, title, desc string
	create := &cobra.Command{
		Use:   "create NAME [--schema FILE]",
		Short: "Create a project (admins); without --schema it gets the built-in news schema",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p := &pb.Project{Id: args[0], Title: title, Description: desc}
			if schemaFile != "" {
				s, err := readSchema(schemaFile)
				if err != nil {
					return err
				}
				p.Schema = s
			}
			return a.withClient(func(c *client.Client) error {
				resp, err := c.Projects.CreateProject(cmd.Context(), &pb.CreateProjectRequest{Project: p})
				if err != nil {
					return err
				}
				if a.json() {
					return a.printProto(resp.GetProject())
				}
				s := resp.GetProject().GetSchema()
				fmt.Fprintf(a.stdout, "created project %s with schema %q: %d entity types, %d event types, %d relation types\n",
					resp.GetProject().GetId(), s.GetName(), len(s.GetEntityTypes()), len(s.GetEventTypes()), len(s.GetRelationTypes()))
				return nil
			})
		},
	}
	create.Flags().StringVar(&schemaFile, "schema", "", "schema `file` in JSON (see `scholia project schema`)")
	create.Flags().StringVar(&title, "title", "", "a title")
	create.Flags().StringVar(&desc, "description", "", "a description")

	list := &cobra.Command{
		Use:   "list",
		Short: "List projects",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withClient(func(c *client.Client) error {
				tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
				if !a.json() {
					fmt.Fprintln(tw, "PROJECT\tTITLE\tCREATED")
				}
				req := &pb.ListProjectsRequest{PageSize: 1000}
				for {
					resp, err := c.Projects.ListProjects(cmd.Context(), req)
					if err != nil {
						return err
					}
					for _, p := range resp.GetProjects() {
						if a.json() {
							if err := a.printProto(p); err != nil {
								return err
							}
							continue
						}
						fmt.Fprintf(tw, "%s\t%s\t%s\n", p.GetId(), p.GetTitle(), p.GetCreateTime().AsTime().Format("2006-01-02 15:04"))
					}
					if req.PageToken = resp.GetNextPageToken(); req.PageToken == "" {
						break
					}
				}
				return tw.Flush()
			})
		},
	}

	schema := &cobra.Command{
		Use:   "schema [PROJECT]",
		Short: "Print a project's schema as JSON (the built-in news schema without PROJECT)",
		Long: `Print a project's schema as JSON, or the built-in news schema when no
project is named. Edit the output and pass it to project create --schema.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withClient(func(c *client.Client) error {
				var s *pb.Schema
				if len(args) == 0 {
					resp, err := c.Projects.GetBuiltinSchema(cmd.Context(), &pb.GetBuiltinSchemaRequest{})
					if err != nil {
						return err
					}
					s = resp.GetSchema()
				} else {
					resp, err := c.Projects.GetProject(cmd.Context(), &pb.GetProjectRequest{ProjectId: args[0]})
					if err != nil {
						return err
					}
					s = resp.GetProject().GetSchema()
				}
				b, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(s)
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(a.stdout, "%s\n", b)
				return err
			})
		},
	}

	show := &cobra.Command{
		Use:   "show PROJECT",
		Short: "Show a project and a summary of its schema",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withClient(func(c *client.Client) error {
				resp, err := c.Projects.GetProject(cmd.Context(), &pb.GetProjectRequest{ProjectId: args[0]})
				if err != nil {
					return err
				}
				p := resp.GetProject()
				if a.json() {
					return a.printProto(p)
				}
				s := p.GetSchema()
				w := a.stdout
				fmt.Fprintf(w, "project %s (schema %q, version %d)\n", p.GetId(), s.GetName(), p.GetSchemaVersion())
				if p.GetTitle() != "" {
					fmt.Fprintf(w, "title: %s\n", p.GetTitle())
				}
				var ents []string
				for _, e := range s.GetEntityTypes() {
					ents = append(ents, e.GetName())
				}
				fmt.Fprintf(w, "entity types: %s\n", strings.Join(ents, " "))
				fmt.Fprintln(w, "event types:")
				for _, e := range s.GetEventTypes() {
					var roles []string
					for _, r := range e.GetRoles() {
						roles = append(roles, r.GetName())
					}
					fmt.Fprintf(w, "  %-32s %s\n", e.GetName(), strings.Join(roles, " "))
				}
				fmt.Fprintf(w, "claim stances: %s\n", strings.Join(s.GetClaimStances(), " "))
				fmt.Fprintf(w, "claim types: %s\n", strings.Join(s.GetClaimTypes(), " "))
				var rels []string
				for _, r := range s.GetRelationTypes() {
					rels = append(rels, r.GetName())
				}
				fmt.Fprintf(w, "relation types: %s\n", strings.Join(rels, " "))
				for _, at := range s.GetAttributes() {
					fmt.Fprintf(w, "attribute %s: %s\n", at.GetName(), strings.Join(at.GetValues(), " "))
				}
				return nil
			})
		},
	}
	cmd.AddCommand(create, list, show, schema)
	return cmd
}
